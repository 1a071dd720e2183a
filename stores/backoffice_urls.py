from django.urls import path

from stores import backoffice_views as views

app_name = "backoffice"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login, name="login"),
    path("logout/", views.logout, name="logout"),
]
