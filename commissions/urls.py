"""Shopper commission pages, mounted at /m/."""

from django.urls import path

from commissions import views

app_name = "commissions"

urlpatterns = [
    path("earnings/", views.earnings, name="earnings"),
    path("earnings/withdraw/", views.withdraw, name="withdraw"),
    path(
        "earnings/withdrawals/<int:pk>/cancel/",
        views.withdrawal_cancel_view,
        name="withdrawal_cancel",
    ),
    path(
        "earnings/withdrawals/<int:pk>/accept/",
        views.withdrawal_accept_view,
        name="withdrawal_accept",
    ),
    path("team/", views.team, name="team"),
]
