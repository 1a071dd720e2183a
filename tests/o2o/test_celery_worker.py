"""A real Celery worker consumes a task from Redis and its effect lands in PostgreSQL."""

import time

import pytest

from o2o.models import Heartbeat
from o2o.tasks import record_heartbeat


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_worker_runs_task_through_redis(celery_worker_app):
    record_heartbeat.delay("worker-test")

    deadline = time.monotonic() + 20
    while not Heartbeat.objects.filter(source="worker-test").exists():
        assert time.monotonic() < deadline, "the worker did not run the task within 20 s"
        time.sleep(0.1)
    heartbeat = Heartbeat.objects.get(source="worker-test")
    assert heartbeat.beats == 1

    record_heartbeat.delay("worker-test")
    deadline = time.monotonic() + 20
    while Heartbeat.objects.get(source="worker-test").beats < 2:
        assert time.monotonic() < deadline, "the second task did not run within 20 s"
        time.sleep(0.1)


def test_beat_schedule_names_registered_tasks():
    from django.conf import settings

    from o2o.celery import app

    app.loader.import_default_modules()
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in app.tasks, entry["task"]
