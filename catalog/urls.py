from django.urls import path

from catalog import views

app_name = "catalog"

urlpatterns = [
    path("", views.home, name="home"),
    path("categories/", views.categories, name="categories"),
    path("c/<str:slug>/", views.category, name="category"),
    path("p/<str:code>/", views.product, name="product"),
    path("p/<str:code>/reviews/", views.product_reviews, name="product_reviews"),
    # The .png route first: a SKU code is a slug and never contains a dot.
    path("q/<str:sku_code>.png", views.qr_png, name="qr_png"),
    path("q/<str:sku_code>", views.qr_landing, name="qr_landing"),
]
