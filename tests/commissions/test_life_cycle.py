"""From pending to confirmed to withdrawn, and what refunds take back at each stage."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from commissions.models import CommissionEntry, CommissionPolicy, Wallet, Withdrawal
from commissions.services.maturity import commissions_mature
from commissions.services.wallets import commissions_check
from commissions.services.withdrawals import (
    withdrawal_accepted,
    withdrawal_approve,
    withdrawal_payout,
    withdrawal_request,
)
from o2o.models import OutboxEvent
from orders.services.checkout import Line
from orders.services.fulfilment import order_hand_over
from orders.services.refunds import refund_execute, refund_request
from tests.orders.placing import pay, place

pytestmark = pytest.mark.django_db
E = CommissionEntry
LATER = timedelta(days=8)  # past the default 7-day return window


def refund(order, lines=None, reason="wrong size"):
    return refund_execute(refund=refund_request(order=order, lines=lines, reason=reason))


def wallet(member=None, staff=None):
    return Wallet.objects.get(member=member) if member else Wallet.objects.get(staff=staff)


def figures(w):
    w.refresh_from_db()
    return {
        "pending": w.pending,
        "available": w.available,
        "requested": w.requested,
        "withdrawn": w.withdrawn,
        "reversed": w.reversed,
    }


def completed(chain, lines=None):
    order = pay(place(chain, lines=lines))
    return order_hand_over(order=order, staff=chain.clerk)


def test_entries_are_confirmed_only_after_the_order_is_complete_and_the_window_passed(chain):
    paid_only = pay(place(chain))
    done = completed(chain)

    assert commissions_mature(now=timezone.now() + timedelta(days=6)).entries == 0
    result = commissions_mature(now=timezone.now() + LATER)

    assert (result.orders, result.entries) == (1, 3)
    assert set(E.objects.filter(order=done).values_list("status", flat=True)) == {"confirmed"}
    assert set(E.objects.filter(order=paid_only).values_list("status", flat=True)) == {"pending"}
    assert figures(wallet(chain.b)) == {
        "pending": 1797,
        "available": 1797,
        "requested": 0,
        "withdrawn": 0,
        "reversed": 0,
    }
    assert commissions_mature(now=timezone.now() + LATER).entries == 0  # a second run: nothing
    assert commissions_check() == []


def test_hq_sets_the_return_window(chain):
    policy = CommissionPolicy.current()
    policy.return_window_days = 30
    policy.save()
    completed(chain)

    assert commissions_mature(now=timezone.now() + LATER).entries == 0
    assert commissions_mature(now=timezone.now() + timedelta(days=31)).entries == 3


def test_a_partial_refund_reverses_exactly_the_refunded_share(chain):
    order = pay(place(chain, lines=[Line(chain.sku_m, 2), Line(chain.sku_l, 1)]))
    m_line = order.lines.get(sku=chain.sku_m)
    assert E.objects.get(order_line=m_line, level=1).amount == 3594  # 2 × 599.00 × 3 %

    done = refund(order, lines=[(m_line, 1)])

    reversal = E.objects.get(refund=done, level=1)
    assert (reversal.kind, reversal.amount, reversal.status) == ("reversal", -1797, "pending")
    assert reversal.reverses == E.objects.get(order_line=m_line, level=1, kind="earning")
    # Only the refunded line is touched; the L line keeps its entries whole.
    assert not E.objects.filter(refund=done, order_line__sku=chain.sku_l).exists()
    assert figures(wallet(chain.b))["pending"] == 3 * 1797 - 1797
    assert figures(wallet(chain.b))["reversed"] == 1797
    assert commissions_check() == []


def test_refunds_unit_by_unit_add_up_to_the_whole_entry(chain):
    # Three units with a discount that does not divide evenly: 1 fen rounding each time.
    order = pay(place(chain, lines=[Line(chain.sku_m, 3)]))
    line = order.lines.get()
    earned = E.objects.get(order_line=line, level=2).amount

    for _unit in range(3):
        refund(order, lines=[(line, 1)])

    reversed_total = sum(
        E.objects.filter(order_line=line, level=2, kind="reversal").values_list("amount", flat=True)
    )
    assert reversed_total == -earned
    order.refresh_from_db()
    assert order.status == "refunded"
    assert figures(wallet(chain.a))["pending"] == 0
    # A fully refunded order matures at once: it has nothing left to wait for.
    assert commissions_mature().orders == 1
    assert figures(wallet(chain.a)) == {
        "pending": 0,
        "available": 0,
        "requested": 0,
        "withdrawn": 0,
        "reversed": earned,
    }


def test_a_refund_after_confirmation_takes_back_from_the_available_money(chain):
    order = completed(chain)
    commissions_mature(now=timezone.now() + LATER)

    refund(order)

    reversal = E.objects.get(order=order, level=0, kind="reversal")
    assert (reversal.amount, reversal.status) == (-2995, "confirmed")
    assert figures(wallet(staff=chain.clerk))["available"] == 0
    assert commissions_check() == []


def test_a_refund_after_payout_makes_a_negative_entry_the_next_earnings_cover(chain):
    CommissionPolicy.objects.update_or_create(pk=1, defaults={"min_withdrawal": 100})
    order = completed(chain)
    commissions_mature(now=timezone.now() + LATER)
    paid = withdrawal_request(wallet=wallet(chain.b))
    withdrawal_approve(withdrawal=paid, actor=None)
    withdrawal_payout(withdrawal=paid)
    assert withdrawal_accepted(withdrawal=paid).status == Withdrawal.Status.PAID

    refund(order)

    assert figures(wallet(chain.b)) == {
        "pending": 0,
        "available": -1797,
        "requested": 0,
        "withdrawn": 1797,
        "reversed": 1797,
    }
    reversal = E.objects.get(order=order, level=1, kind="reversal")
    assert (reversal.amount, reversal.status, reversal.withdrawal) == (-1797, "confirmed", None)
    # The paid entry stays withdrawn: history is not rewritten.
    assert E.objects.get(order=order, level=1, kind="earning").status == "withdrawn"

    # Two more dresses later: the debt is netted out of the next withdrawal.
    completed(chain, lines=[Line(chain.sku_m, 2)])
    commissions_mature(now=timezone.now() + LATER)
    assert figures(wallet(chain.b))["available"] == 2 * 1797 - 1797
    assert withdrawal_request(wallet=wallet(chain.b)).amount == 1797
    assert commissions_check() == []


def test_commissions_check_exits_non_zero_on_a_mismatch(chain):
    completed(chain)
    call_command("commissions_check")  # all well: no error

    Wallet.objects.filter(member=chain.b).update(pending=1)

    with pytest.raises(CommandError, match="disagree"):
        call_command("commissions_check")
    assert [str(m) for m in commissions_check()] == [
        f"wallet {wallet(chain.b).pk}: pending is 1 fen, its entries say 1797"
    ]


def test_confirmed_commission_is_reported_once_per_order(chain):
    done = completed(chain)

    commissions_mature(now=timezone.now() + LATER)
    commissions_mature(now=timezone.now() + LATER)

    events = OutboxEvent.objects.filter(event_type="commission.confirmed")
    assert [(e.aggregate, e.payload["total"], len(e.payload["entries"])) for e in events] == [
        (
            f"order:{done.number}",
            sum(E.objects.filter(order=done).values_list("amount", flat=True)),
            3,
        )
    ]
