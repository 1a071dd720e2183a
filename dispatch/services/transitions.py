"""The one door for each dispatch state machine (dispatch.status): a guarded UPDATE
(`WHERE status = <current>`) so that of two concurrent callers exactly one moves the row, and a
DispatchEvent for every move."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from dispatch.exceptions import InvalidDispatchTransition, InvalidOfferTransition
from dispatch.models import Dispatch, DispatchEvent, DispatchOffer
from dispatch.services.outbound import offers_outbound_record
from dispatch.status import dispatch_can_move, offer_can_move


def actor_label_of(actor) -> str:
    if actor is None:
        return "system"
    staff = getattr(actor, "staff", None)
    return getattr(staff, "display_name", None) or actor.get_username()


def dispatch_event_add(
    *,
    dispatch_id: int,
    kind: str,
    now: datetime,
    offer: DispatchOffer | None = None,
    store_id: int | None = None,
    from_state: str = "",
    to_state: str = "",
    actor=None,
    actor_label: str = "",
    note: str = "",
) -> DispatchEvent:
    """A timeline entry: a move (written by the transitions below) or a store skipped."""
    return DispatchEvent.objects.create(
        dispatch_id=dispatch_id,
        offer=offer,
        kind=kind,
        store_id=store_id if store_id is not None else getattr(offer, "store_id", None),
        from_state=from_state,
        to_state=to_state,
        actor=actor,
        actor_label=actor_label or actor_label_of(actor),
        note=note[:300],
        created_at=now,
    )


def offer_transition(
    *,
    offer: DispatchOffer,
    to: str,
    now: datetime | None = None,
    actor=None,
    actor_label: str = "",
    note: str = "",
    **fields,
) -> DispatchOffer:
    """Move an offer along OFFER_TRANSITIONS if nobody moved it first; extra `fields` (reason,
    responded_at) are written in the same statement, and the actor, when there is one, as the
    one who answered. The event kind is the new status."""
    offers_transition(
        offers=[offer], to=to, now=now, actor=actor, actor_label=actor_label, note=note, **fields
    )
    return offer


def offers_transition(
    *,
    offers: list[DispatchOffer],
    to: str,
    now: datetime | None = None,
    actor=None,
    actor_label: str = "",
    note: str = "",
    **fields,
) -> list[DispatchOffer]:
    """offer_transition for offers in the same state, in one statement (the sweep's batches).
    If any of them was moved meanwhile, InvalidOfferTransition is raised and the caller's
    transaction undoes the others."""
    now = now or timezone.now()
    if actor is not None:
        fields.setdefault("actor", actor)
    sources = {offer.status for offer in offers}
    if len(sources) != 1:
        raise InvalidOfferTransition(f"offers in different states {sorted(sources)}")
    (source,) = sources
    if not offer_can_move(source, to):
        raise InvalidOfferTransition(f"offer: {source} → {to} is not allowed")
    ids = [offer.pk for offer in offers]
    updated = DispatchOffer.objects.filter(pk__in=ids, status=source).update(status=to, **fields)
    if updated != len(set(ids)):
        states = dict(DispatchOffer.objects.filter(pk__in=ids).values_list("pk", "status"))
        moved = [pk for pk in ids if states.get(pk) != source]
        raise InvalidOfferTransition(f"offers {moved} are no longer {source}")
    label = actor_label or actor_label_of(actor)
    for offer in offers:
        offer.status = to
        for name, value in fields.items():
            setattr(offer, name, value)
    DispatchEvent.objects.bulk_create(
        DispatchEvent(
            dispatch_id=offer.dispatch_id,
            offer=offer,
            kind=to,
            store_id=offer.store_id,
            from_state=source,
            to_state=to,
            actor=actor,
            actor_label=label,
            note=note[:300],
            created_at=now,
        )
        for offer in offers
    )
    offers_outbound_record(offers=offers, status=to)
    return offers


def dispatch_transition(
    *,
    dispatch: Dispatch,
    to: str,
    now: datetime | None = None,
    actor=None,
    actor_label: str = "",
    note: str = "",
    store_id: int | None = None,
) -> Dispatch:
    """Move an order's dispatch record along DISPATCH_TRANSITIONS, guarded, with an event."""
    now = now or timezone.now()
    source = dispatch.state
    if not dispatch_can_move(source, to):
        raise InvalidDispatchTransition(f"dispatch {dispatch.pk}: {source} → {to} is not allowed")
    updated = Dispatch.objects.filter(pk=dispatch.pk, state=source).update(state=to, updated_at=now)
    if not updated:
        current = Dispatch.objects.values_list("state", flat=True).get(pk=dispatch.pk)
        raise InvalidDispatchTransition(f"dispatch {dispatch.pk} is already {current}")
    dispatch.state, dispatch.updated_at = to, now
    dispatch_event_add(
        dispatch_id=dispatch.pk,
        kind=DispatchEvent.Kind.STATE,
        now=now,
        store_id=store_id,
        from_state=source,
        to_state=to,
        actor=actor,
        actor_label=actor_label,
        note=note,
    )
    return dispatch
