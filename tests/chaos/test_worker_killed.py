"""A Celery worker killed (SIGKILL) in the middle of a durable task: the task runs again, once,
and its effect happens once; a duplicate delivery afterwards changes nothing."""

from __future__ import annotations

import os
import signal

import pytest
from django.db import transaction

from o2o.durable import durable_enqueue, durable_relay, durable_send
from o2o.expiring import expiring_get
from o2o.models import DurableTask, Heartbeat
from tests.chaos.chaos_tasks import slow_effect
from tests.chaos.servers import wait_until

pytestmark = [pytest.mark.chaos, pytest.mark.django_db(transaction=True)]


def _beats(source: str) -> int:
    return Heartbeat.objects.filter(source=source).values_list("beats", flat=True).first() or 0


def _enqueue(name: str) -> DurableTask:
    """Queue the chaos task the way a service does: in a transaction, sent after commit."""
    with transaction.atomic():
        return durable_enqueue(slow_effect, key=f"chaos:{name}", name=name)


def test_the_worker_process_killed_mid_task_runs_it_again_once(private_redis, worker_factory):
    worker = worker_factory(private_redis.url)
    task = _enqueue("killed-child")
    wait_until(lambda: _beats("killed-child:started") == 1, timeout=60, what="the task to start")
    pid = wait_until(lambda: expiring_get("chaos:killed-child:pid"), timeout=10, what="its pid")
    assert pid != worker.process.pid  # the pool's child, not the worker's main process

    os.kill(pid, signal.SIGKILL)

    # Acks late + reject on worker lost: the broker hands the task out again at once.
    wait_until(lambda: _beats("killed-child") >= 1, timeout=60, what="the task to be redone")
    wait_until(
        lambda: DurableTask.objects.filter(pk=task.pk, status="done").exists(),
        timeout=20,
        what="the durable task to be done",
    )
    durable_send(DurableTask.objects.get(pk=task.pk))  # a duplicate delivery
    assert durable_relay()["sent"] == 0
    wait_until(lambda: "chaos.slow_effect" in worker.log_text(), timeout=5, what="worker log")

    task.refresh_from_db()
    assert _beats("killed-child:started") == 2  # killed once, redone once
    assert _beats("killed-child") == 1  # the effect, once
    assert task.runs == 2


def test_the_whole_worker_killed_mid_task_the_relay_has_it_redone_once(
    private_redis, worker_factory, settings
):
    # The message stays unacknowledged in Redis for the visibility timeout (an hour); the relay
    # sends the task again once its run is older than DURABLE_STALE_SECONDS.
    settings.DURABLE_STALE_SECONDS = 3
    first = worker_factory(private_redis.url, DURABLE_STALE_SECONDS=3)
    task = _enqueue("killed-worker")
    wait_until(lambda: _beats("killed-worker:started") == 1, timeout=60, what="the task to start")

    first.kill()
    worker_factory(private_redis.url, DURABLE_STALE_SECONDS=3)
    assert durable_relay()["sent"] == 0  # not stale yet: it may still be running somewhere

    def relayed():
        return durable_relay()["sent"] == 1

    wait_until(relayed, timeout=15, what="the relay to send the stale task", interval=0.5)
    wait_until(
        lambda: DurableTask.objects.filter(pk=task.pk, status="done").exists(),
        timeout=60,
        what="the relayed task to be done",
    )

    assert _beats("killed-worker:started") == 2
    assert _beats("killed-worker") == 1
