"""Saved delivery addresses, mounted at /m/addresses/."""

from django.urls import path

from members import address_views as views

app_name = "addresses"

urlpatterns = [
    path("", views.address_list, name="list"),
    path("new/", views.address_edit, name="add"),
    path("<int:pk>/", views.address_edit, name="edit"),
    path("<int:pk>/delete/", views.address_remove, name="delete"),
    path("<int:pk>/default/", views.address_default, name="default"),
]
