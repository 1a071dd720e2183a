app_name = "orders_backoffice"

urlpatterns = []
