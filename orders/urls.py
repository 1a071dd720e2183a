from django.urls import path

from orders import my_order_views, views

app_name = "orders"

urlpatterns = [
    path("cart/", views.cart, name="cart"),
    path("cart/add/", views.cart_add, name="cart_add"),
    path("cart/badge/", views.cart_badge, name="cart_badge"),
    path("cart/lines/<int:sku_id>/", views.cart_line, name="cart_line"),
    path("cart/shared/<str:token>/", views.shared_cart, name="shared_cart"),
    path("checkout/", views.checkout, name="checkout"),
    path("checkout/slots/", views.checkout_slots, name="checkout_slots"),
    path("buy-now/", views.buy_now, name="buy_now"),
    # The product page (catalog) loads its order actions from here.
    path("p/<str:code>/order-actions/", views.product_actions, name="product_actions"),
    path("orders/", my_order_views.order_list, name="list"),
    path("orders/<str:number>/", my_order_views.order_detail, name="detail"),
    path("orders/<str:number>/pay/", my_order_views.order_pay, name="pay"),
    path("orders/<str:number>/receipt/", my_order_views.order_receipt, name="receipt"),
    path("orders/<str:number>/cancel/", my_order_views.order_cancel_view, name="cancel"),
    path("orders/<str:number>/received/", my_order_views.order_received, name="received"),
    # payment_start hands out this address for the sandbox (orders.services.payment).
    path("pay/sandbox/<str:out_trade_no>/", my_order_views.sandbox_pay_page, name="sandbox_pay"),
]
