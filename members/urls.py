from django.urls import path

from members import views

app_name = "members"

urlpatterns = [
    path("login/", views.login, name="login"),
    path("login/demo/", views.login_demo, name="login_demo"),
    path("logout/", views.logout, name="logout"),
    path("card/", views.card, name="card"),
    path("card/qr/", views.card_qr, name="card_qr"),
    path("notices/", views.notices, name="notices"),
]
