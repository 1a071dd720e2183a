from django.urls import path

from promotions import views

app_name = "promotions"

urlpatterns = [
    path("m/coupons/", views.my_coupons, name="my_coupons"),
    path("m/coupons/choose/", views.checkout_choice, name="checkout_choice"),
    path("m/coupons/messages/", views.push_preference, name="push_preference"),
    path("m/coupons/<str:code>/", views.coupon_detail, name="coupon"),
    path("c/<str:token>/", views.claim, name="claim"),
]
