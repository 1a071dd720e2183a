"""Cross-cutting endpoints: the health check."""

from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

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
