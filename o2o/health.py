"""Health probes: the database, the broker and the cache, each "ok" or "error: <why>".

`/healthz` reads them as one status (o2o.views.healthz):
- "ok": everything answers.
- "degraded" (still HTTP 200: keep this web process in the load balancer): the broker or the
  cache is down. Shoppers still log in, buy and pay; durable tasks wait in the database for the
  relay (o2o.durable); the cache misses (o2o.cache_backend); WeChat calls whose breaker is open
  answer "unavailable" at once (o2o.outgoing, listed under "outgoing").
- "down" (HTTP 503): the database does not answer; nothing can be sold.
"""

import redis
from django.conf import settings
from django.db import connection

from o2o.outgoing import breakers_open

PROBE_TIMEOUT = 1  # seconds; a probe that waits longer than this is itself a failure


def _error(error: Exception) -> str:
    return f"error: {error.__class__.__name__}: {error}".strip()


def check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:  # any failure means "down"; the message says why
        # A connection the server dropped (a restart) is not reused by the next request.
        connection.close_if_unusable_or_obsolete()
        return _error(error)
    return "ok"


def _ping(url: str) -> str:
    try:
        client = redis.Redis.from_url(
            url, socket_connect_timeout=PROBE_TIMEOUT, socket_timeout=PROBE_TIMEOUT
        )
        client.ping()
    except Exception as error:
        return _error(error)
    return "ok"


def check_broker() -> str:
    return _ping(settings.CELERY_BROKER_URL)


def check_cache() -> str:
    location = settings.CACHES["default"].get("LOCATION")
    if not location or "redis" not in settings.CACHES["default"]["BACKEND"].lower():
        return "ok"  # a local-memory cache cannot be down on its own
    return _ping(location.split(",")[0])


def health_report() -> tuple[int, dict]:
    """(HTTP status, body) of /healthz."""
    checks = {"database": check_database(), "broker": check_broker(), "cache": check_cache()}
    failing = [name for name, result in checks.items() if result != "ok"]
    if "database" in failing:
        status, http = "down", 503
    elif failing:
        status, http = "degraded", 200
    else:
        status, http = "ok", 200
    body = {"status": status, "checks": checks}
    if failing:
        body["failing"] = failing
    if status == "down":
        body["down"] = ["database"]
    open_breakers = breakers_open()
    if open_breakers:
        body["outgoing"] = {name: "unavailable" for name in open_breakers}
        if status == "ok":
            body["status"] = "degraded"
    return http, body
