from django.urls import path

from members import backoffice_views as views

app_name = "members_backoffice"

urlpatterns = [
    path("scan/", views.scan, name="scan"),
    path("my-qr/", views.my_qr, name="my_qr"),
]
