"""Cross-cutting endpoints: the health check, /favicon.ico, uploaded media."""

from django.conf import settings
from django.http import Http404, HttpResponsePermanentRedirect, JsonResponse
from django.templatetags.static import static
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_GET
from django.views.static import serve

from o2o.health import health_report
from o2o.storage import name_is_content_addressed

# A content-addressed name never changes its bytes (o2o.storage): browsers may keep it a year.
IMMUTABLE_CACHE_CONTROL = "public, max-age=31536000, immutable"
MEDIA_CACHE_CONTROL = "public, max-age=3600"


@never_cache
@require_GET
def healthz(request):
    """200 "ok" or "degraded" (broker or cache down, still selling), 503 "down" (database)."""
    status, body = health_report()
    return JsonResponse(body, status=status)


@require_GET
@cache_control(max_age=60 * 60 * 24)
def favicon(request):
    """Browsers ask for /favicon.ico whatever the pages link; it lives with the static files."""
    return HttpResponsePermanentRedirect(static("favicon.ico"))


def media(request, path: str):
    """Uploaded media when Django serves it (SERVE_MEDIA). A name no file system accepts
    (too long, say) is a file that is not there, not a server error."""
    try:
        response = serve(request, path, document_root=settings.MEDIA_ROOT)
    except OSError as error:
        raise Http404 from error
    if response.status_code == 200:
        response["Cache-Control"] = (
            IMMUTABLE_CACHE_CONTROL if name_is_content_addressed(path) else MEDIA_CACHE_CONTROL
        )
    return response
