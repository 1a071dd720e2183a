"""Store back office for loyalty, mounted at /staff/loyalty/."""

from django.urls import path

from members import loyalty_backoffice_views as views

app_name = "loyalty_backoffice"

urlpatterns = [
    path("follow-ups/", views.follow_ups, name="follow_ups"),
    path("follow-ups/<int:pk>/outcome/", views.follow_up_outcome, name="follow_up_outcome"),
    path("gifts/verify/", views.gift_verify, name="gift_verify"),
]
