"""The project's URLs plus views that fail, to see the error pages each audience gets."""

from django.core.exceptions import PermissionDenied
from django.urls import path

from o2o.urls import handler400, handler403, handler404, handler500, urlpatterns  # noqa: F401


def boom(request):
    raise RuntimeError("secret internals: password=hunter2")


def forbidden(request):
    raise PermissionDenied


urlpatterns = [
    path("boom/", boom),
    path("staff/boom/", boom),
    path("api/v1/boom/", boom),
    path("wechat/boom", boom),
    path("forbidden/", forbidden),
    path("staff/forbidden/", forbidden),
    *urlpatterns,
]
