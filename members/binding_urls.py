from django.urls import path

from members import binding_views as views

app_name = "binding"

urlpatterns = [
    # Printed on QR codes: the shape of these two paths never changes.
    path("clerk/<slug:staff_code>", views.clerk_link, name="clerk"),
    path("store/<slug:code>", views.store_link, name="store"),
    path("invite/<slug:code>", views.invite_link, name="invite"),
    path("qr/clerk/<slug:staff_code>.png", views.clerk_qr_png, name="qr_clerk"),
    path("qr/invite/<slug:code>.png", views.invite_qr_png, name="qr_invite"),
    path("qr/store/<slug:code>.png", views.store_qr_png, name="qr_store"),
]
