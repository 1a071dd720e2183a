"""Cross-cutting endpoints: the health check, uploaded media."""

from django.conf import settings
from django.http import Http404, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.static import serve

from o2o.health import check_broker, check_database


@never_cache
@require_GET
def healthz(request):
    """200 when the database and the broker answer; 503 naming what is down."""
    checks = {"database": check_database(), "broker": check_broker()}
    down = [name for name, result in checks.items() if result != "ok"]
    body = {"status": "ok" if not down else "down", "checks": checks}
    if down:
        body["down"] = down
    return JsonResponse(body, status=200 if not down else 503)


def media(request, path: str):
    """Uploaded media when Django serves it (SERVE_MEDIA). A name no file system accepts
    (too long, say) is a file that is not there, not a server error."""
    try:
        return serve(request, path, document_root=settings.MEDIA_ROOT)
    except OSError as error:
        raise Http404 from error
