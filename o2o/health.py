"""Health probes for the database and the Celery broker."""

import redis
from django.conf import settings
from django.db import connection


def check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:  # any failure means "down"; the message says why
        return f"error: {error.__class__.__name__}: {error}".strip()
    return "ok"


def check_broker() -> str:
    try:
        client = redis.Redis.from_url(
            settings.CELERY_BROKER_URL, socket_connect_timeout=1, socket_timeout=1
        )
        client.ping()
    except Exception as error:
        return f"error: {error.__class__.__name__}: {error}".strip()
    return "ok"
