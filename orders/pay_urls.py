from django.urls import path

from orders import pay_views

app_name = "pay"

urlpatterns = [
    path("notify", pay_views.notify, name="notify"),
]
