"""What a completed purchase means for the member, online or at the POS alike (one service)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone

from members.models import Member
from members.services.binding import home_store_set_if_missing
from members.services.followups import follow_ups_convert, follow_ups_for_purchase
from members.services.points import points_earn_for_purchase


@dataclass
class PurchaseEffects:
    points: int = 0
    follow_ups: list = field(default_factory=list)
    home_store_set: bool = False
    converted_tasks: int = 0


@transaction.atomic
def member_purchase_record(
    *,
    member: Member,
    store,
    amount_paid: int,
    reference: str,
    lines,
    purchased_at: datetime | None = None,
) -> PurchaseEffects:
    """Apply a completed purchase to the member: home store, points, follow-ups, conversions,
    and her tier (a buyer is no longer "potential", whatever the night job's schedule).

    `lines` is [(product, quantity), ...]; `reference` ("order:<number>") makes it idempotent:
    recording the same purchase twice earns and creates nothing the second time.
    """
    purchased_at = purchased_at or timezone.now()
    purchased_on = timezone.localdate(purchased_at)
    member = Member.objects.select_for_update().get(pk=member.pk)
    first_purchase = member.last_purchase_at is None
    effects = PurchaseEffects()
    effects.home_store_set = home_store_set_if_missing(member=member, store=store, source=reference)
    Member.objects.filter(pk=member.pk).update(
        last_purchase_at=Greatest(F("last_purchase_at"), purchased_at)
        if not first_purchase
        else purchased_at
    )
    entry = points_earn_for_purchase(member=member, amount_fen=amount_paid, reference=reference)
    effects.points = entry.delta if entry else 0
    effects.converted_tasks = follow_ups_convert(
        member=member, purchased_on=purchased_on, order_reference=reference
    )
    effects.follow_ups = follow_ups_for_purchase(
        member=member,
        store=store,
        lines=lines,
        purchased_on=purchased_on,
        source=reference,
        first_purchase=first_purchase,
    )
    return effects
