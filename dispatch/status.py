"""The dispatch state machines: which moves are allowed (DESIGN §4 "Routing", steps 4-6).

An offer to one store:

    offered ─→ accepted                     (the store takes the order)
       ├─────→ declined                     (the store says no, with a reason)
       ├─────→ expired                      (the deadline passed; the sweep moves on)
       └─────→ withdrawn                    (HQ assigns another store)

The order's dispatch record:

    new ─→ offered ─→ accepted
     │       │ ↑  └─→ cancelled
     │       ↓ │
     └─────→ queued ─→ cancelled            (every candidate tried: HQ assigns by hand)

A declined, expired or withdrawn offer is followed by the next candidate's offer, never a store
tried before; the record stays `offered` while that happens, and turns `queued` when none is left.
"""

from dispatch.models import Dispatch, DispatchOffer

OfferStatus = DispatchOffer.Status
DispatchState = Dispatch.State

OFFER_TRANSITIONS: dict[str, set[str]] = {
    OfferStatus.OFFERED: {
        OfferStatus.ACCEPTED,
        OfferStatus.DECLINED,
        OfferStatus.EXPIRED,
        OfferStatus.WITHDRAWN,
    },
    OfferStatus.ACCEPTED: set(),
    OfferStatus.DECLINED: set(),
    OfferStatus.EXPIRED: set(),
    OfferStatus.WITHDRAWN: set(),
}

DISPATCH_TRANSITIONS: dict[str, set[str]] = {
    DispatchState.NEW: {DispatchState.OFFERED, DispatchState.QUEUED},
    DispatchState.OFFERED: {DispatchState.ACCEPTED, DispatchState.QUEUED, DispatchState.CANCELLED},
    DispatchState.QUEUED: {DispatchState.OFFERED, DispatchState.CANCELLED},
    DispatchState.ACCEPTED: {DispatchState.CANCELLED},
    DispatchState.CANCELLED: set(),
}

# An offer in one of these states has been answered or has lapsed: the next candidate follows.
ENDED_WITHOUT_ACCEPT = {OfferStatus.DECLINED, OfferStatus.EXPIRED, OfferStatus.WITHDRAWN}


def offer_can_move(source: str, target: str) -> bool:
    return target in OFFER_TRANSITIONS.get(source, set())


def dispatch_can_move(source: str, target: str) -> bool:
    return target in DISPATCH_TRANSITIONS.get(source, set())
