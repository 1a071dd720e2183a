app_name = "members_backoffice"

urlpatterns = []
