"""Favorites (收藏), mounted at the site root: /favorites/ and the product page's heart."""

from django.urls import path

from members import favorite_views as views

app_name = "favorites"

urlpatterns = [
    path("favorites/", views.favorites, name="list"),
    path("favorites/<str:code>/toggle/", views.favorite_toggle, name="toggle"),
]
