"""Tasks that must happen: recorded in the database with the change that asks for them.

`transaction.on_commit(lambda: task.delay(...))` loses the task when the broker (Redis) is down at
that moment, or when the worker running it is killed. A durable task cannot be lost that way:

    from o2o.durable import durable_enqueue
    durable_enqueue(send_wechat_notice, key=f"notice:{notice.pk}", notice_id=notice.pk)

1. `durable_enqueue` writes a `DurableTask` row in the caller's transaction (so the task exists
   exactly when the change committed) and, after commit, tries once to hand it to the broker.
   A broker that is down costs the request about `CELERY_BROKER_CONNECTION_TIMEOUT`, never an
   error: the row waits.
2. The relay (`relay_durable_tasks`, a beat task every 30 s, and `manage.py durable_relay` for
   cron or by hand) sends again what the broker never took, and what was taken but not finished
   within `DURABLE_STALE_SECONDS` (a worker killed mid-task, a message lost with Redis). After
   `DURABLE_MAX_ATTEMPTS` sends the row is marked failed and logged for HQ.
3. The worker runs a delivery only after claiming the row (one guarded UPDATE): a duplicate
   delivery of a task that is running or done changes nothing, so a task sent twice runs once.
   A delivery the broker marks as redelivered (its worker process died: acks late plus
   reject-on-worker-lost put it back at once) takes over the dead run's claim.

The task itself must still be idempotent (DESIGN §4): a worker killed after the effect but
before the row was marked done runs it again. The one effect that cannot be checked first is a
message already handed to WeChat: a notice repeats only if its worker died in that instant.

Which effects are durable, which are recovered by a sweep, and which are best effort:
- durable here: WeChat notices to members (`members.tasks.send_wechat_notice`).
- store alerts of delivery offers (`dispatch.services.alerts`): claimed per offer by a guarded
  update and re-sent by their own 30 s sweep, so a broker outage delays them and sends them once;
  a worker killed between the claim and the send loses that alert (the desk still shows it).
- in the order's own transaction, so no queue can lose them: points, commission entries, order
  events, dispatch offers and their deadlines (orders.hooks, the dispatch sweep).
- recovered by a periodic sweep that selects by state: refunds (`retry_requested_refunds`
  re-runs REQUESTED ones), withdrawal payouts (`sweep_withdrawals`), unpaid prepays
  (`reconcile_payments`), expiries. Their on-commit `.delay` is only a head start.
- best effort: the back office's sound and badge (the page polls the database).
A task declares itself durable with `@shared_task(base=Durable, ...)`; called without a durable
id (`.delay()` directly, or in a test) it runs as a plain task.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import Task
from celery.exceptions import Retry
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from o2o.models import DurableTask

logger = logging.getLogger(__name__)

DURABLE_ID = "durable_id"
# A pending row younger than this is still being sent by its own request; the relay leaves it.
PENDING_GRACE = timedelta(seconds=10)
Status = DurableTask.Status


def durable_enqueue(task, *, key: str, **kwargs) -> DurableTask | None:
    """Record `task(**kwargs)` to run once, in the current transaction; send it after commit.

    `key` names what the task is for ("notice:12"): a second request with the same key queues
    nothing and returns None. `kwargs` must be JSON (ids, not objects).
    """
    row, created = DurableTask.objects.get_or_create(
        key=key[:200], defaults={"task": task.name, "kwargs": kwargs, "touched_at": timezone.now()}
    )
    if not created:
        return None
    transaction.on_commit(lambda: durable_send(row))
    return row


def durable_send(row: DurableTask) -> bool:
    """Hand one durable task to the broker; False (logged, the row waits for the relay) when the
    broker does not take it."""
    from o2o.celery import app

    try:
        app.send_task(row.task, kwargs={**row.kwargs, DURABLE_ID: row.pk})
    except Exception as error:  # kombu and redis raise several kinds; the row waits either way
        logger.warning(
            "durable task %s [%s] not sent, the relay will: %s: %s",
            row.task,
            row.key,
            error.__class__.__name__,
            error,
        )
        return False
    # Attempts count every send; only a row nobody has started yet is moved to "sent".
    DurableTask.objects.filter(pk=row.pk).update(attempts=F("attempts") + 1)
    DurableTask.objects.filter(pk=row.pk, status=Status.PENDING).update(
        status=Status.SENT, touched_at=timezone.now()
    )
    return True


def durable_relay(*, limit: int = 500) -> dict:
    """Send again every durable task the broker did not take or a worker did not finish.

    Selects by state, so running it twice or in two processes at once only sends a task twice,
    which its claim turns into one run. Returns counts: sent, unsent (broker down), failed.
    """
    now = timezone.now()
    stale = now - timedelta(seconds=settings.DURABLE_STALE_SECONDS)
    open_rows = DurableTask.objects.filter(
        Q(status=Status.PENDING, touched_at__lt=now - PENDING_GRACE)
        | Q(status__in=[Status.SENT, Status.RUNNING], touched_at__lt=stale)
    ).order_by("pk")
    counts = {"sent": 0, "unsent": 0, "failed": 0}
    for row in open_rows[:limit]:
        if row.attempts >= settings.DURABLE_MAX_ATTEMPTS:
            gave_up = DurableTask.objects.filter(pk=row.pk, status=row.status).update(
                status=Status.FAILED, touched_at=now
            )
            if gave_up:
                counts["failed"] += 1
                logger.error(
                    "durable task %s [%s] given up after %s sends: %s",
                    row.task,
                    row.key,
                    row.attempts,
                    row.last_error or "no error recorded",
                )
            continue
        # Touch first, guarded on what was read: a second relay running now skips this row. A
        # run that went stale is declared dead (its worker was killed): the delivery sent now
        # may claim the task.
        status = Status.SENT if row.status == Status.RUNNING else row.status
        if not DurableTask.objects.filter(
            pk=row.pk, status=row.status, touched_at=row.touched_at
        ).update(touched_at=now, status=status):
            continue
        row.status = status
        if durable_send(row):
            counts["sent"] += 1
        else:
            counts["unsent"] += 1
            # Not taken: it waits as pending and is tried again on the next relay.
            DurableTask.objects.filter(pk=row.pk, status=row.status).update(
                status=Status.PENDING, touched_at=now - PENDING_GRACE
            )
    return counts


def durable_claim(durable_id: int, *, redelivered: bool = False) -> bool:
    """Start a run of the task: True for exactly one delivery at a time, never after it is done.

    A running claim is taken over only when it is stale or the broker redelivered the message
    because its worker process died.
    """
    now = timezone.now()
    takeover = Q(
        status=Status.RUNNING,
        touched_at__lt=now - timedelta(seconds=settings.DURABLE_STALE_SECONDS),
    )
    if redelivered:
        takeover = Q(status=Status.RUNNING)
    claimed = DurableTask.objects.filter(
        Q(pk=durable_id) & (Q(status__in=[Status.PENDING, Status.SENT]) | takeover)
    ).update(status=Status.RUNNING, touched_at=now, runs=F("runs") + 1)
    return bool(claimed)


def durable_finish(durable_id: int) -> None:
    DurableTask.objects.filter(pk=durable_id, status=Status.RUNNING).update(
        status=Status.DONE, done_at=timezone.now(), last_error=""
    )


def durable_release(durable_id: int, *, error: str) -> None:
    """The run ended without finishing (an error, or Celery's own retry is on its way): the next
    delivery, or the relay after DURABLE_STALE_SECONDS, runs it again."""
    DurableTask.objects.filter(pk=durable_id, status=Status.RUNNING).update(
        status=Status.SENT, touched_at=timezone.now(), last_error=error[:300]
    )


def durable_tasks_purge(*, before) -> int:
    deleted, _ = DurableTask.objects.filter(status=Status.DONE, done_at__lt=before).delete()
    return deleted


class Durable(Task):
    """Celery base for durable tasks: a delivery carrying a durable id runs only once claimed."""

    def __call__(self, *args, **kwargs):
        durable_id = kwargs.pop(DURABLE_ID, None)
        if durable_id is None:
            return super().__call__(*args, **kwargs)
        delivery = self.request.delivery_info or {}
        if not durable_claim(durable_id, redelivered=bool(delivery.get("redelivered"))):
            logger.info("durable task %s #%s: done or running elsewhere", self.name, durable_id)
            return None
        try:
            result = super().__call__(*args, **kwargs)
        except Retry:
            durable_release(durable_id, error="retry scheduled")
            raise
        except Exception as error:
            durable_release(durable_id, error=f"{error.__class__.__name__}: {error}")
            raise
        durable_finish(durable_id)
        return result


def durable_retry(*, task_ids) -> int:
    """HQ sends failed (given-up) tasks again: a fresh allowance of sends. Returns how many."""
    return DurableTask.objects.filter(pk__in=list(task_ids), status=Status.FAILED).update(
        status=Status.PENDING, attempts=0, touched_at=timezone.now() - PENDING_GRACE
    )
