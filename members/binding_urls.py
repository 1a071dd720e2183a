app_name = "binding"

urlpatterns = []
