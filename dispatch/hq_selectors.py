"""Reads for HQ's dispatch desk in the admin (dispatch.admin `hq_view`): orders waiting for a
store with the time left, reassigned orders with their chain of offers, and per store what became
of the offers it received. The queue itself is `dispatch.selectors.dispatch_queue`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import (
    Aggregate,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)

from dispatch.models import Dispatch, DispatchOffer


class Median(Aggregate):
    """PostgreSQL's median (percentile_cont 0.5) of a number or interval; NULLs are ignored."""

    function = "PERCENTILE_CONT"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    allow_distinct = False


def offers_waiting() -> QuerySet[DispatchOffer]:
    """Live offers, soonest deadline first, with how many stores each order was offered to."""
    offered_so_far = (
        DispatchOffer.objects.filter(order=OuterRef("order"))
        .order_by()
        .values("order")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        DispatchOffer.objects.filter(status=DispatchOffer.Status.OFFERED)
        .select_related("order", "store")
        .annotate(offers_so_far=Subquery(offered_so_far))
        .order_by("deadline", "id")
    )


def dispatches_reassigned(*, since: datetime) -> QuerySet[Dispatch]:
    """Orders offered to more than one store since `since`, latest first, with their chain of
    offers (store and outcome, in order) prefetched."""
    return (
        Dispatch.objects.filter(created_at__gte=since)
        .annotate(offer_count=Count("offers"))
        .filter(offer_count__gt=1)
        .select_related("order")
        .prefetch_related(
            Prefetch(
                "offers",
                queryset=DispatchOffer.objects.select_related("store").order_by("created_at", "id"),
            )
        )
        .order_by("-created_at", "-id")
    )


@dataclass(frozen=True)
class StoreOfferStats:
    """One store's answers to the offers made in a period."""

    store_id: int
    code: str
    name: str
    received: int
    accepted: int
    declined: int
    expired: int
    withdrawn: int
    within_target: int
    median_to_accept: timedelta | None
    target: timedelta

    @property
    def median_within_target(self) -> bool | None:
        return None if self.median_to_accept is None else self.median_to_accept <= self.target


def offer_stats_by_store(
    *, since: datetime, until: datetime, target_minutes: int
) -> list[StoreOfferStats]:
    """Per store, the offers made to it in [since, until) and what became of them: accepted,
    declined, expired (deadline passed), withdrawn (HQ reassigned), answered within the response
    target, and the median time from offer to acceptance. HQ's own assignments are left out, as
    in `offer_response_summary`: a store HQ phoned first is not measured on them."""
    target = timedelta(minutes=target_minutes)
    status = DispatchOffer.Status
    answered = Q(status__in=[status.ACCEPTED, status.DECLINED])
    rows = (
        DispatchOffer.objects.filter(created_at__gte=since, created_at__lt=until)
        .exclude(basis=DispatchOffer.Basis.HQ_ASSIGNMENT)
        .values("store_id", "store__code", "store__name")
        .annotate(
            received=Count("pk"),
            accepted=Count("pk", filter=Q(status=status.ACCEPTED)),
            declined=Count("pk", filter=Q(status=status.DECLINED)),
            expired=Count("pk", filter=Q(status=status.EXPIRED)),
            withdrawn=Count("pk", filter=Q(status=status.WITHDRAWN)),
            within_target=Count(
                "pk", filter=answered & Q(responded_at__lte=F("created_at") + target)
            ),
            median_to_accept=Median(
                ExpressionWrapper(
                    F("responded_at") - F("created_at"), output_field=DurationField()
                ),
                filter=Q(status=status.ACCEPTED),
                output_field=DurationField(),
            ),
        )
        .order_by("store__code")
    )
    return [
        StoreOfferStats(
            store_id=row["store_id"],
            code=row["store__code"],
            name=row["store__name"],
            received=row["received"],
            accepted=row["accepted"],
            declined=row["declined"],
            expired=row["expired"],
            withdrawn=row["withdrawn"],
            within_target=row["within_target"],
            median_to_accept=row["median_to_accept"],
            target=target,
        )
        for row in rows
    ]
