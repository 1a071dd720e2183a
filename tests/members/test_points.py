"""The points ledger: balance = sum of entries, never negative, replays are no-ops."""

import pytest
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from members.exceptions import InsufficientPoints, InvalidPoints
from members.models import Member, PointsEntry
from members.services.points import (
    points_add,
    points_earn_for_purchase,
    points_for_amount,
    points_reverse_for_refund,
)
from tests.members.loyalty_factories import member_make

pytestmark = pytest.mark.django_db

R = PointsEntry.Reason


def ledger_sum(member) -> int:
    return PointsEntry.objects.filter(member=member).aggregate(total=Sum("delta"))["total"] or 0


def balance(member) -> int:
    return Member.objects.values_list("points_balance", flat=True).get(pk=member.pk)


references = st.integers(min_value=1, max_value=6)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("earn"), st.integers(min_value=0, max_value=50_000), references),
        st.tuples(
            st.sampled_from(["gift", "discount"]),
            st.integers(min_value=1, max_value=600),
            references,
        ),
        st.tuples(st.just("reverse"), st.integers(min_value=1, max_value=60_000), references),
    ),
    max_size=25,
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=operations)
def test_ledger_model(steps):
    """Random earn / spend / reversal sequences against PostgreSQL, checked after every step."""
    member = member_make()
    expected = 0
    earned: dict[str, int] = {}  # purchase reference → points earned
    paid: dict[str, int] = {}
    reversed_: dict[str, int] = {}
    applied: set[tuple[str, str]] = set()

    for step, (kind, amount, ref) in enumerate(steps):
        if kind == "earn":
            reference = f"order:{ref}"
            points_earn_for_purchase(member=member, amount_fen=amount, reference=reference)
            points = points_for_amount(amount)
            if points > 0 and (R.PURCHASE, reference) not in applied:
                applied.add((R.PURCHASE, reference))
                earned[reference], paid[reference] = points, amount
                expected += points
        elif kind in {"gift", "discount"}:
            reference = f"{kind}:{ref}"
            entries_before = PointsEntry.objects.filter(member=member).count()
            if (kind, reference) in applied:
                assert (
                    points_add(member=member, delta=-amount, reason=kind, reference=reference)
                    is None
                )
            elif amount > expected:
                with pytest.raises(InsufficientPoints):
                    points_add(member=member, delta=-amount, reason=kind, reference=reference)
                assert PointsEntry.objects.filter(member=member).count() == entries_before
            else:
                points_add(member=member, delta=-amount, reason=kind, reference=reference)
                applied.add((kind, reference))
                expected -= amount
        else:
            purchase = f"order:{ref}"
            refund = f"refund:{ref}:{step % 3}"
            points_reverse_for_refund(
                member=member,
                purchase_reference=purchase,
                refund_reference=refund,
                refunded_fen=amount,
                paid_fen=paid.get(purchase, 0),
            )
            if purchase in earned and (R.REVERSAL, refund) not in applied:
                share = min(
                    earned[purchase] - reversed_.get(purchase, 0),
                    earned[purchase] * min(amount, paid[purchase]) // paid[purchase],
                )
                take = min(share, expected)
                if take > 0:
                    applied.add((R.REVERSAL, refund))
                    reversed_[purchase] = reversed_.get(purchase, 0) + take
                    expected -= take

        assert balance(member) == expected == ledger_sum(member)
        assert expected >= 0
    for purchase, taken in reversed_.items():
        assert taken <= earned[purchase]


def test_spend_more_than_balance_changes_nothing():
    member = member_make(points=50)

    with pytest.raises(InsufficientPoints):
        points_add(member=member, delta=-51, reason=R.GIFT, reference="gift:1")

    assert balance(member) == 50 == ledger_sum(member)
    assert not PointsEntry.objects.filter(reason=R.GIFT).exists()


def test_replayed_reference_is_a_no_op():
    member = member_make()
    first = points_earn_for_purchase(member=member, amount_fen=12_345, reference="order:1")
    again = points_earn_for_purchase(member=member, amount_fen=12_345, reference="order:1")

    assert first.delta == 123 and again is None
    assert balance(member) == 123 == ledger_sum(member)


@pytest.mark.parametrize("delta", [0, 1.5, True, "10"])
def test_points_are_whole_non_zero_numbers(delta):
    member = member_make()
    with pytest.raises(InvalidPoints):
        points_add(member=member, delta=delta, reason=R.ADJUSTMENT, reference="x")


def test_reversal_never_takes_more_than_earned_nor_below_zero():
    member = member_make()
    points_earn_for_purchase(member=member, amount_fen=10_000, reference="order:9")  # 100 points
    points_add(member=member, delta=-80, reason=R.GIFT, reference="gift:1")

    points_reverse_for_refund(
        member=member,
        purchase_reference="order:9",
        refund_reference="refund:1",
        refunded_fen=10_000,
        paid_fen=10_000,
    )

    assert balance(member) == 0 == ledger_sum(member)
