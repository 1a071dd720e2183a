from django.contrib.auth import views as auth_views
from django.http import HttpResponse

login = auth_views.LoginView.as_view(template_name="backoffice/login.html")
logout = auth_views.LogoutView.as_view()


def home(request):
    return HttpResponse("back office")
