"""Shopper loyalty pages, mounted at /m/: points history, the points gift catalog and new-arrival
subscriptions."""

from django.urls import path

from members import loyalty_views as views

app_name = "loyalty"

urlpatterns = [
    path("points/", views.points_history, name="points"),
    path("gifts/", views.gift_list, name="gifts"),
    path("gifts/mine/", views.my_gifts, name="my_gifts"),
    path("gifts/mine/<int:pk>/cancel/", views.my_gift_cancel, name="my_gift_cancel"),
    path("gifts/<int:gift_id>/redeem/", views.gift_redeem, name="gift_redeem"),
    path("subscriptions/", views.subscriptions, name="subscriptions"),
    path("subscriptions/<int:pk>/delete/", views.unsubscribe, name="unsubscribe"),
]
