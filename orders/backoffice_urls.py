"""The store's order back office, mounted at /staff/orders/."""

from django.urls import path

from orders import backoffice_assist_views as assist
from orders import backoffice_views as views

app_name = "orders_backoffice"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("badge/", views.badge, name="badge"),
    path("verify/", views.verify, name="verify"),
    path("appointments/", views.appointments, name="appointments"),
    path("assist/", assist.assist, name="assist"),
    path("assist/<int:cart_id>/", assist.assist_cart, name="assist_cart"),
    path("assist/<int:cart_id>/discard/", assist.assist_discard, name="assist_discard"),
    path("<str:number>/", views.order_detail, name="detail"),
    path("<str:number>/hand-over/", views.hand_over, name="hand_over"),
    path("<str:number>/ready/", views.mark_ready, name="mark_ready"),
    path("<str:number>/ship/", views.ship, name="ship"),
    path("<str:number>/refund/", views.refund, name="refund"),
    path("<str:number>/visit/", views.visit, name="visit"),
    path("<str:number>/no-show/", views.no_show, name="no_show"),
]
