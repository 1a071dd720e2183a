"""Follow-up tasks (机会窗): when to call a member, made from her purchases (DESIGN §4)."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from members.models import FollowUpTask, LoyaltyPolicy, Member
from stores.models import Staff


def follow_up_assignee(member: Member, store=None) -> Staff | None:
    """The bound clerk if active, else the home (or purchase) store's active manager."""
    if member.bound_clerk_id and member.bound_clerk.is_active:
        return member.bound_clerk
    store = member.home_store or store
    if store is None:
        return None
    return (
        Staff.objects.filter(store=store, role=Staff.Role.MANAGER, is_active=True)
        .order_by("pk")
        .first()
    )


def _create(**fields) -> FollowUpTask | None:
    try:
        with transaction.atomic():
            return FollowUpTask.objects.create(**fields)
    except IntegrityError:
        return None  # already made for this purchase


def follow_ups_for_purchase(
    *, member: Member, store, lines, purchased_on: date, source: str, first_purchase: bool
) -> list[FollowUpTask]:
    # The suggested script is stored as text for the clerk: write it in the platform's language,
    # not in whatever language the request that recorded the purchase (a POS call) happened to use.
    with translation.override(settings.LANGUAGE_CODE):
        return _follow_ups_for_purchase(
            member=member,
            store=store,
            lines=lines,
            purchased_on=purchased_on,
            source=source,
            first_purchase=first_purchase,
        )


def _follow_ups_for_purchase(
    *, member: Member, store, lines, purchased_on: date, source: str, first_purchase: bool
) -> list[FollowUpTask]:
    """Tasks a purchase creates: one per consumable line, and a check-in after a first purchase.

    `lines` is [(product, quantity), ...]. A purchase of q units of a product lasting d days each,
    on day p, is due at p + q × d − lead days. Replaying the same purchase creates nothing new.
    """
    assignee = follow_up_assignee(member, store)
    if assignee is None:
        return []
    policy = LoyaltyPolicy.current()
    store = member.home_store or store or assignee.store
    created = []
    totals: dict = {}
    for product, quantity in lines:
        if product.consumption_days_per_unit:
            totals[product] = totals.get(product, 0) + quantity
    for product, quantity in totals.items():
        lasts = quantity * product.consumption_days_per_unit
        due = purchased_on + timedelta(days=max(1, lasts - policy.followup_lead_days))
        task = _create(
            member=member,
            assignee=assignee,
            store=store,
            kind=FollowUpTask.Kind.REPLENISH,
            product=product,
            quantity=quantity,
            source=source,
            purchased_on=purchased_on,
            due_date=due,
            script=_(
                "Hello %(name)s, this is %(clerk)s from %(store)s. The %(product)s you bought on "
                "%(date)s should last until about %(until)s. Shall I keep one for you?"
            )
            % {
                "name": member.display_name,
                "clerk": assignee.display_name,
                "store": store.name,
                "product": product.name,
                "date": purchased_on.isoformat(),
                "until": (purchased_on + timedelta(days=lasts)).isoformat(),
            },
        )
        if task:
            created.append(task)
    if first_purchase:
        task = _create(
            member=member,
            assignee=assignee,
            store=store,
            kind=FollowUpTask.Kind.FIRST_PURCHASE,
            product=None,
            quantity=0,
            source=source,
            purchased_on=purchased_on,
            due_date=purchased_on + timedelta(days=policy.first_purchase_checkin_days),
            script=_(
                "Hello %(name)s, this is %(clerk)s from %(store)s. How are you finding what you "
                "bought? Anything I can help with?"
            )
            % {"name": member.display_name, "clerk": assignee.display_name, "store": store.name},
        )
        if task:
            created.append(task)
    return created


def follow_ups_convert(*, member: Member, purchased_on: date, order_reference: str) -> int:
    """Mark the member's tasks converted by a purchase within the window after them."""
    window = LoyaltyPolicy.current().conversion_window_days
    earliest = purchased_on - timedelta(days=window)
    return (
        FollowUpTask.objects.filter(member=member, converted_order="", due_date__lte=purchased_on)
        .filter(Q(due_date__gte=earliest) | Q(outcome_at__date__gte=earliest))
        .exclude(source=order_reference)
        .update(converted_order=order_reference[:32])
    )


@transaction.atomic
def follow_up_record_outcome(
    *, task: FollowUpTask, outcome: str, note: str = "", staff=None
) -> FollowUpTask:
    if outcome not in FollowUpTask.Outcome.values:
        raise ValueError(f"unknown outcome {outcome!r}")
    task.outcome = outcome
    task.outcome_note = note[:200]
    task.outcome_at = timezone.now()
    task.save(update_fields=["outcome", "outcome_note", "outcome_at"])
    return task


def follow_up_create(
    *, member: Member, staff: Staff, due_date: date, note: str, outcome: str = ""
) -> FollowUpTask:
    """A follow-up the clerk writes herself, from the member's page in the back office.

    Without an outcome it is a reminder due on `due_date` (the note is what to talk about); with
    one it records a contact already made, closed at once, so it still counts towards a later
    purchase as a conversion. The task is the clerk's own, at her store.
    """
    if outcome and outcome not in FollowUpTask.Outcome.values:
        raise ValueError(f"unknown outcome {outcome!r}")
    if staff is None or not staff.is_active:
        raise ValueError("only active store staff write follow-ups")
    today = timezone.localdate()
    note = (note or "").strip()[:200]
    return FollowUpTask.objects.create(
        member=member,
        assignee=staff,
        store=staff.store,
        kind=FollowUpTask.Kind.CLERK_NOTE,
        product=None,
        # Unique per task (the source/kind/product constraint guards replayed purchases; a note
        # written twice is two notes).
        source=f"clerk:{staff.pk}:{uuid.uuid4().hex[:16]}",
        purchased_on=today,
        due_date=today if outcome else due_date,
        script=note,
        outcome=outcome,
        outcome_note=note if outcome else "",
        outcome_at=timezone.now() if outcome else None,
    )
