app_name = "wechat"

urlpatterns = []
