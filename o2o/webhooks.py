"""The relay from the outbox to the chain's webhooks (DESIGN §4 "Outbound events").

Two steps, each safe to run any number of times from any number of processes:

1. `outbox_fan_out`: each new `OutboxEvent`, in id order, gets a `WebhookDelivery` for every
   active subscription that wants its type. One fan-out runs at a time (the events are locked
   without SKIP LOCKED), so the deliveries of one aggregate are created in event order.
2. `webhook_deliveries_send`: claims due deliveries (SKIP LOCKED, then a lease: their next
   attempt moves past the time a batch can take, so a crashed worker's claim comes due again),
   commits, and only then POSTs them: no lock is held across a call to the network. A delivery
   is claimed only when no earlier event of the same aggregate is still pending for the same
   subscription, so each receiver sees an order's events in order. A dead one does not hold the
   later ones back (the receiver reads `sequence` if it must know).

The answer to an attempt is written with a guarded UPDATE (`WHERE attempts = <the claimed
attempt>`), so a late answer to a lease that expired cannot overwrite a newer attempt. A 2xx
answer delivers; anything else (an error status, a redirect, a timeout, a refused connection)
schedules the next attempt after an exponential backoff, and after `WEBHOOK_MAX_ATTEMPTS`
attempts the delivery is dead until HQ redelivers it from the admin.

What a receiver gets: a POST of JSON

    {"id": "<event uuid>", "type": "order.paid", "aggregate": "order:O2612050001",
     "sequence": 1234, "created_at": "2026-12-05T12:00:00+08:00", "data": {...}}

with headers `X-O2O-Event-Id` and `Idempotency-Key` (both the event id: the same on every
retry, so the receiver de-duplicates on it), `X-O2O-Event-Type`, `X-O2O-Delivery-Attempt`, and
`X-O2O-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>." + body with the secret>`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import requests
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone

from o2o.models import OutboxEvent, WebhookDelivery, WebhookSubscription

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-O2O-Signature"
EVENT_ID_HEADER = "X-O2O-Event-Id"
EVENT_TYPE_HEADER = "X-O2O-Event-Type"
ATTEMPT_HEADER = "X-O2O-Delivery-Attempt"
USER_AGENT = "o2o-webhooks/1"

S = WebhookDelivery.Status


# --- Signing -------------------------------------------------------------------------------------


def signature_header(*, secret: str, body: bytes, timestamp: int) -> str:
    """`t=<timestamp>,v1=<hex HMAC-SHA256 of "<timestamp>." + body>` (the timestamp is signed
    too, so a captured request cannot be replayed later with a fresh one)."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def signature_verify(*, secret: str, body: bytes, header: str, tolerance: int = 300) -> bool:
    """What a receiver does (the README shows the same in three lines): recompute the HMAC over
    the raw body and compare in constant time, refusing timestamps older than `tolerance`."""
    try:
        parts = dict(part.split("=", 1) for part in header.split(","))
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    expected = signature_header(secret=secret, body=body, timestamp=timestamp)
    fresh = abs(time.time() - timestamp) <= tolerance
    return fresh and hmac.compare_digest(expected, header.strip())


def event_body(event: OutboxEvent) -> bytes:
    """The JSON a receiver gets for `event`; the same bytes on every attempt."""
    document = {
        "id": str(event.event_id),
        "type": event.event_type,
        "aggregate": event.aggregate,
        "sequence": event.pk,
        "created_at": timezone.localtime(event.created_at).isoformat(),
        "data": event.payload,
    }
    return json.dumps(
        document, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":")
    ).encode()


def retry_delay(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed attempt: base, 2×base, 4×base... up to the cap."""
    base = settings.WEBHOOK_RETRY_BASE_SECONDS
    return timedelta(
        seconds=min(base * 2 ** max(attempts - 1, 0), settings.WEBHOOK_RETRY_MAX_SECONDS)
    )


# --- Step 1: fan-out -----------------------------------------------------------------------------


@transaction.atomic
def outbox_fan_out(*, now: datetime | None = None, batch_size: int | None = None) -> int:
    """Give the oldest new events their deliveries; returns how many events were fanned out."""
    now = now or timezone.now()
    batch_size = batch_size or settings.WEBHOOK_BATCH_SIZE
    # No SKIP LOCKED: a second fan-out waits for the first, so deliveries keep event order.
    events = list(
        OutboxEvent.objects.select_for_update()
        .filter(fanned_out_at__isnull=True)
        .order_by("id")[:batch_size]
    )
    if not events:
        return 0
    subscriptions = list(WebhookSubscription.objects.filter(active=True).order_by("id"))
    WebhookDelivery.objects.bulk_create(
        [
            WebhookDelivery(
                event=event,
                subscription=subscription,
                aggregate=event.aggregate,
                next_attempt_at=now,
            )
            for event in events
            for subscription in subscriptions
            if subscription.wants(event.event_type)
        ],
        ignore_conflicts=True,
    )
    OutboxEvent.objects.filter(pk__in=[event.pk for event in events]).update(fanned_out_at=now)
    return len(events)


# --- Step 2: delivery ----------------------------------------------------------------------------


@dataclass(frozen=True)
class AttemptResult:
    delivered: bool
    status_code: int | None = None
    error: str = ""


@transaction.atomic
def _deliveries_claim(*, now: datetime, batch_size: int) -> list[tuple[int, int]]:
    """Lease a batch of due deliveries, each the oldest pending one of its aggregate for its
    subscription; returns [(delivery id, attempt number), ...]."""
    earlier_pending = WebhookDelivery.objects.filter(
        subscription_id=OuterRef("subscription_id"),
        aggregate=OuterRef("aggregate"),
        status=S.PENDING,
        event_id__lt=OuterRef("event_id"),
    )
    claimed = list(
        WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(status=S.PENDING, next_attempt_at__lte=now, subscription__active=True)
        .exclude(Exists(earlier_pending))
        .order_by("event_id", "id")
        .values_list("id", "attempts")[:batch_size]
    )
    if not claimed:
        return []
    # Long enough for the whole batch to time out one by one.
    lease = timedelta(seconds=settings.WEBHOOK_TIMEOUT_SECONDS * (len(claimed) + 1) + 60)
    WebhookDelivery.objects.filter(pk__in=[pk for pk, _attempts in claimed]).update(
        attempts=F("attempts") + 1, next_attempt_at=now + lease, last_attempt_at=now
    )
    return [(pk, attempts + 1) for pk, attempts in claimed]


def _post(delivery: WebhookDelivery, attempt: int) -> AttemptResult:
    body = event_body(delivery.event)
    event_id = str(delivery.event.event_id)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        EVENT_ID_HEADER: event_id,
        "Idempotency-Key": event_id,
        EVENT_TYPE_HEADER: delivery.event.event_type,
        ATTEMPT_HEADER: str(attempt),
        SIGNATURE_HEADER: signature_header(
            secret=delivery.subscription.secret, body=body, timestamp=int(time.time())
        ),
    }
    try:
        response = requests.post(
            delivery.subscription.url,
            data=body,
            headers=headers,
            timeout=settings.WEBHOOK_TIMEOUT_SECONDS,
            allow_redirects=False,
        )
    except requests.RequestException as error:
        return AttemptResult(delivered=False, error=f"{type(error).__name__}: {error}"[:300])
    if 200 <= response.status_code < 300:
        return AttemptResult(delivered=True, status_code=response.status_code)
    return AttemptResult(
        delivered=False,
        status_code=response.status_code,
        error=f"HTTP {response.status_code}: {response.text[:200]}",
    )


def _attempt_record(*, delivery_id: int, attempt: int, result: AttemptResult, now) -> None:
    current = WebhookDelivery.objects.filter(pk=delivery_id, status=S.PENDING, attempts=attempt)
    answer = {"last_response_status": result.status_code, "last_error": result.error}
    if result.delivered:
        current.update(status=S.DELIVERED, delivered_at=now, **answer)
    elif attempt >= settings.WEBHOOK_MAX_ATTEMPTS:
        current.update(status=S.DEAD, **answer)
        logger.warning(
            "webhook delivery %s dead after %s attempts: %s", delivery_id, attempt, result.error
        )
    else:
        current.update(next_attempt_at=now + retry_delay(attempt), **answer)


def webhook_deliveries_send(*, now: datetime | None = None, batch_size: int | None = None) -> int:
    """Claim and POST one batch of due deliveries; returns how many were attempted."""
    claimed = _deliveries_claim(
        now=now or timezone.now(), batch_size=batch_size or settings.WEBHOOK_BATCH_SIZE
    )
    attempts = dict(claimed)
    deliveries = WebhookDelivery.objects.select_related("event", "subscription").in_bulk(attempts)
    for pk in sorted(deliveries, key=lambda pk: deliveries[pk].event_id):
        result = _post(deliveries[pk], attempts[pk])
        _attempt_record(
            delivery_id=pk, attempt=attempts[pk], result=result, now=now or timezone.now()
        )
    return len(claimed)


def webhooks_relay(*, now: datetime | None = None, max_rounds: int = 50) -> int:
    """Fan out and send until nothing is due (the next event of an aggregate becomes due as soon
    as the one before it is delivered) or `max_rounds` batches; returns deliveries attempted."""
    attempted = 0
    for _round in range(max_rounds):
        outbox_fan_out(now=now)
        sent = webhook_deliveries_send(now=now)
        attempted += sent
        if not sent:
            break
    return attempted


def webhook_deliveries_redeliver(*, delivery_ids) -> int:
    """Send these deliveries again from the first attempt (HQ's button, for dead ones or for a
    receiver that lost what it got); returns how many."""
    return WebhookDelivery.objects.filter(pk__in=list(delivery_ids)).update(
        status=S.PENDING, attempts=0, next_attempt_at=timezone.now(), last_error=""
    )


def outbox_purge(*, before: datetime) -> int:
    """Delete events fanned out before `before` whose deliveries all arrived (dead ones stay for
    HQ); returns how many events went."""
    open_deliveries = WebhookDelivery.objects.filter(event=OuterRef("pk")).exclude(
        status=S.DELIVERED
    )
    deleted, _per_model = (
        OutboxEvent.objects.filter(fanned_out_at__lt=before)
        .exclude(Exists(open_deliveries))
        .delete()
    )
    return deleted
