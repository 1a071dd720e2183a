"""What the chain's systems are told about delivery offers (the outbox, `o2o.outbox`): an offer
made to a store, accepted, or expired unanswered. The events of one order's dispatch share the
aggregate `dispatch:<order number>`, in order because each change locks the offers it moves."""

from __future__ import annotations

from django.utils import timezone

from dispatch.models import DispatchOffer
from o2o.outbox import EventType, outbox_events_record
from orders.models import Order
from stores.models import Store

STATUS_EVENTS = {
    DispatchOffer.Status.OFFERED: EventType.DISPATCH_OFFER_MADE,
    DispatchOffer.Status.ACCEPTED: EventType.DISPATCH_OFFER_ACCEPTED,
    DispatchOffer.Status.EXPIRED: EventType.DISPATCH_OFFER_EXPIRED,
}


ORDER, STORE = DispatchOffer._meta.get_field("order"), DispatchOffer._meta.get_field("store")


def offers_outbound_record(*, offers: list[DispatchOffer], status: str) -> None:
    """Report `offers`, all just moved to `status`, when the systems hear about that status."""
    event_type = STATUS_EVENTS.get(status)
    if not event_type or not offers:
        return
    # The sweep's offers come with their order and store loaded: read them only when not.
    numbers = {o.order_id: o.order.number for o in offers if ORDER.is_cached(o)}
    codes = {o.store_id: o.store.code for o in offers if STORE.is_cached(o)}
    if missing := {o.order_id for o in offers} - set(numbers):
        numbers |= dict(Order.objects.filter(pk__in=missing).values_list("pk", "number"))
    if missing := {o.store_id for o in offers} - set(codes):
        codes |= dict(Store.objects.filter(pk__in=missing).values_list("pk", "code"))
    outbox_events_record(
        [
            (
                event_type,
                f"dispatch:{numbers[offer.order_id]}",
                {
                    "offer_id": offer.pk,
                    "order": numbers[offer.order_id],
                    "store": codes.get(offer.store_id),
                    "status": status,
                    "kind": offer.kind,
                    "deadline": timezone.localtime(offer.deadline).isoformat(),
                },
            )
            for offer in offers
        ]
    )
