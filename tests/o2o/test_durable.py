"""Durable tasks (o2o.durable): recorded with the transaction, relayed when the broker did not
take them, run once however often delivered."""

from datetime import timedelta

import pytest
from celery import shared_task
from django.db import transaction
from django.utils import timezone

from o2o import durable
from o2o.durable import (
    Durable,
    durable_claim,
    durable_enqueue,
    durable_relay,
)
from o2o.models import DurableTask

pytestmark = pytest.mark.django_db

runs: list[int] = []


@shared_task(base=Durable, name="tests.durable_probe")
def durable_probe(value: int) -> int:
    runs.append(value)
    return value


@pytest.fixture(autouse=True)
def _reset():
    runs.clear()


@pytest.fixture
def broker_down(monkeypatch):
    """Every send fails as with Redis stopped."""

    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("broker down")

    from o2o.celery import app

    monkeypatch.setattr(app, "send_task", refuse)


@pytest.fixture
def broker_runs_at_once(monkeypatch):
    """A broker and worker in one: a send runs the task in place, as a delivery would."""
    from o2o.celery import app

    def deliver(name, kwargs):
        app.tasks[name](**kwargs)

    monkeypatch.setattr(app, "send_task", deliver)


def _age(task: DurableTask, seconds: int) -> None:
    DurableTask.objects.filter(pk=task.pk).update(
        touched_at=timezone.now() - timedelta(seconds=seconds)
    )


def test_a_task_asked_for_in_a_rolled_back_transaction_does_not_exist():
    with pytest.raises(RuntimeError), transaction.atomic():
        durable_enqueue(durable_probe, key="probe:1", value=1)
        raise RuntimeError("the change failed")

    assert not DurableTask.objects.exists()


def test_the_broker_down_the_task_waits_and_the_relay_sends_it_once_it_is_back(
    broker_down, django_capture_on_commit_callbacks, monkeypatch
):
    with django_capture_on_commit_callbacks(execute=True):
        task = durable_enqueue(durable_probe, key="probe:2", value=2)
    task.refresh_from_db()
    assert task.status == "pending" and runs == []

    _age(task, 60)
    assert durable_relay() == {"sent": 0, "unsent": 1, "failed": 0}  # still down

    from o2o.celery import app

    monkeypatch.setattr(app, "send_task", lambda name, kwargs: app.tasks[name](**kwargs))
    _age(task, 60)
    assert durable_relay()["sent"] == 1
    assert durable_relay()["sent"] == 0

    task.refresh_from_db()
    assert (task.status, task.runs, runs) == ("done", 1, [2])


def test_a_second_request_for_the_same_key_queues_nothing(
    broker_runs_at_once, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert durable_enqueue(durable_probe, key="probe:3", value=3) is not None
    with django_capture_on_commit_callbacks(execute=True):
        assert durable_enqueue(durable_probe, key="probe:3", value=3) is None

    assert runs == [3]


def test_a_duplicate_delivery_runs_nothing(broker_runs_at_once, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        task = durable_enqueue(durable_probe, key="probe:4", value=4)

    durable_probe(value=4, durable_id=task.pk)  # delivered again
    durable.durable_send(task)

    assert runs == [4]


def test_a_running_task_is_taken_over_only_when_stale_or_redelivered(settings):
    settings.DURABLE_STALE_SECONDS = 60
    task = DurableTask.objects.create(task="x", key="probe:5", touched_at=timezone.now())
    assert durable_claim(task.pk) is True
    assert durable_claim(task.pk) is False  # running elsewhere
    assert durable_claim(task.pk, redelivered=True) is True  # its worker died

    _age(task, 120)
    assert durable_claim(task.pk) is True


def test_a_failing_task_is_given_up_after_the_maximum_sends(settings, broker_down, caplog):
    settings.DURABLE_MAX_ATTEMPTS = 2
    task = DurableTask.objects.create(
        task="tests.durable_probe", key="probe:6", attempts=2, touched_at=timezone.now()
    )
    _age(task, 60)

    assert durable_relay()["failed"] == 1

    task.refresh_from_db()
    assert task.status == "failed"
    assert "given up" in caplog.text


def test_an_error_in_the_task_leaves_it_for_the_relay(broker_down, monkeypatch):
    def broken(value):
        raise ValueError("boom")

    task = durable_enqueue(durable_probe, key="probe:7", value=7)
    monkeypatch.setattr(durable_probe, "run", broken)
    with pytest.raises(ValueError):
        durable_probe(value=7, durable_id=task.pk)  # a worker's delivery

    task.refresh_from_db()
    assert task.status == "sent" and "boom" in task.last_error


def test_hq_sends_a_given_up_task_again_from_the_admin(admin_client, broker_down):
    task = DurableTask.objects.create(
        task="tests.durable_probe", key="probe:8", status="failed", attempts=10
    )

    response = admin_client.post(
        "/admin/o2o/durabletask/",
        {"action": "send_again", "_selected_action": [task.pk]},
    )

    assert response.status_code == 302
    task.refresh_from_db()
    assert (task.status, task.attempts) == ("pending", 0)
    assert durable_relay()["unsent"] == 1  # the relay picks it up (the broker is still down)
