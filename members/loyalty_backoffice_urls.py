app_name = "loyalty_backoffice"

urlpatterns = []
