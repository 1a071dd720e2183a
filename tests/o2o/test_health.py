"""GET /healthz: "ok"; "degraded" (200) when the broker or the cache is down, still selling;
"down" (503) when the database is."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_healthz_reports_database_and_broker(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "broker": "ok", "cache": "ok"},
    }


@pytest.mark.django_db
def test_healthz_is_degraded_not_down_when_the_broker_is_down(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1

    response = client.get("/healthz")

    body = response.json()
    # Still selling: the load balancer keeps this process.
    assert response.status_code == 200
    assert body["status"] == "degraded"
    assert body["failing"] == ["broker"]
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["broker"].startswith("error:")


@pytest.mark.django_db
def test_healthz_is_degraded_when_the_cache_is_down(client, settings):
    settings.CACHES = {
        "default": {
            **settings.CACHES["default"],
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }

    response = client.get("/healthz")

    body = response.json()
    assert response.status_code == 200
    assert body["status"] == "degraded"
    assert body["failing"] == ["cache"]


@pytest.mark.django_db
def test_healthz_names_an_open_outgoing_breaker(client, settings):
    from o2o.outgoing import breaker, breakers_reset

    settings.OUTGOING_BREAKER_FAILURES = 2
    try:
        for _ in range(2):
            breaker("wechat").failed("timeout")

        body = client.get("/healthz").json()
    finally:
        breakers_reset()

    assert body["status"] == "degraded"
    assert body["outgoing"] == {"wechat": "unavailable"}


def test_healthz_503_names_the_database_when_it_is_down():
    # A separate process whose DATABASE_URL points at a port where no PostgreSQL listens.
    script = (
        "import django, json; django.setup();"
        "from django.test import Client;"
        "r = Client().get('/healthz');"
        "print(json.dumps({'status': r.status_code, 'body': r.json()}))"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "o2o.settings",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:1/none",
        "ALLOWED_HOSTS": "testserver",
    }
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome["status"] == 503
    assert outcome["body"]["status"] == "down"
    assert outcome["body"]["down"] == ["database"]
    assert outcome["body"]["checks"]["broker"] == "ok"
