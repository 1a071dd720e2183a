"""The deadline sweep (DESIGN §4 "Routing", step 6): offers whose deadline passed go to the next
store. Run by Celery beat every 30 s and by `manage.py expire_dispatch_offers` from cron.

Safe to run twice at once, to repeat, or to kill half-way:
- work is selected by state (`status = offered AND deadline <= now`), never carried by a task;
- each offer is handled in its own transaction that first locks it with `SKIP LOCKED`: a second
  sweep passes over the offers the first one is handling, and an offer that was answered or
  expired meanwhile no longer matches;
- the offer's move is a guarded update and at most one offer per order can be live (a partial
  unique index), so nothing is reassigned twice;
- a sweep killed mid-way rolls back only the offer in hand, which the next sweep finds again.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from dispatch.models import DispatchOffer, DispatchPolicy
from dispatch.services.chain import offer_end, offer_next

logger = logging.getLogger(__name__)
OfferStatus = DispatchOffer.Status


def dispatch_offers_expire(*, now: datetime | None = None, batch_size: int | None = None) -> int:
    """Close every live offer whose deadline has passed and offer its order to the next store
    (or HQ's queue). Returns how many offers this run expired."""
    now = now or timezone.now()
    batch_size = batch_size or settings.DISPATCH_SWEEP_BATCH_SIZE
    policy = DispatchPolicy.current()
    expired = 0
    after: tuple[datetime, int] | None = None  # keyset: each offer is looked at once per run
    while True:
        due = DispatchOffer.objects.filter(status=OfferStatus.OFFERED, deadline__lte=now)
        if after is not None:
            due = due.filter(Q(deadline__gt=after[0]) | Q(deadline=after[0], pk__gt=after[1]))
        batch = list(due.order_by("deadline", "pk").values_list("deadline", "pk")[:batch_size])
        for _deadline, pk in batch:
            try:
                expired += _expire_one(pk=pk, now=now, policy=policy)
            except Exception:  # one bad offer must not stop the others; it is retried next run
                logger.exception("dispatch sweep: offer %s could not be moved on", pk)
        if len(batch) < batch_size:
            return expired
        after = batch[-1]


@transaction.atomic
def _expire_one(*, pk: int, now: datetime, policy: DispatchPolicy) -> int:
    offer = (
        DispatchOffer.objects.select_for_update(of=("self",), skip_locked=True)
        .select_related("order", "dispatch__decision", "store")
        .filter(pk=pk, status=OfferStatus.OFFERED, deadline__lte=now)
        .first()
    )
    if offer is None:  # answered meanwhile, or another sweep has it in hand
        return 0
    offer_end(offer=offer, to=OfferStatus.EXPIRED, now=now, reason="deadline passed")
    offer_next(dispatch=offer.dispatch, order=offer.order, now=now, policy=policy, after=offer)
    return 1
