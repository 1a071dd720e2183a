"""Shopper pages of delivery, mounted at /delivery/."""

from django.urls import path

from dispatch import views

app_name = "delivery"

urlpatterns = [
    path("checkout/", views.delivery_checkout, name="checkout"),
    path("orders/<str:number>/progress/", views.delivery_progress, name="progress"),
]
