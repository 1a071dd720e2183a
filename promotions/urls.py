from django.urls import path, re_path

from promotions import views

app_name = "promotions"

urlpatterns = [
    # A store's own front; "nearby" is the store finder's own page (stores.urls).
    re_path(
        r"^stores/(?!nearby/)(?P<code>[-a-zA-Z0-9_]{1,64})/$",
        views.store_front,
        name="store_front",
    ),
    path("flash/live/", views.flash_strip, name="flash_strip"),
    path("flash/<int:pk>/", views.flash_sale, name="flash_sale"),
    path("flash/<int:pk>/grab/", views.flash_grab, name="flash_grab"),
    path("events/<int:pk>/", views.store_event, name="event"),
    path("events/<int:pk>/book/", views.event_book_view, name="event_book"),
    path("events/<int:pk>/cancel/", views.event_cancel_view, name="event_cancel"),
]
