from django.urls import path

from stores import views

app_name = "stores"

urlpatterns = [
    path("", views.finder, name="finder"),
    path("nearby/", views.nearby, name="nearby"),
]
