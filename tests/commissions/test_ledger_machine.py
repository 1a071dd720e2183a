"""A Hypothesis state machine over the whole commission life: random orders by members of a
referral chain, completions, partial refunds, maturity runs, withdrawals, approvals, rejections
and payouts. After every step each wallet's figures equal the sums of its ledger entries
(`commissions_check` agrees), every earning nets to exactly what is still paid for its line,
nothing is negative except the available money a reversal of paid-out commission took, and no
wallet ever pays out more than its confirmed earnings."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    precondition,
    rule,
    run_state_machine_as_test,
)

from commissions.models import CommissionEntry, CommissionPolicy, Wallet, Withdrawal
from commissions.services.maturity import commissions_mature
from commissions.services.wallets import commissions_check
from commissions.services.withdrawals import (
    withdrawal_accepted,
    withdrawal_approve,
    withdrawal_cancel,
    withdrawal_payout,
    withdrawal_reject,
    withdrawal_request,
)
from inventory.services import stock_adjust
from orders.models import Order, Refund, RefundLine
from orders.services.checkout import Line, order_place
from orders.services.fulfilment import order_hand_over
from orders.services.refunds import refund_execute, refund_request
from orders.status import SOLD
from tests.orders.placing import pay

pytestmark = pytest.mark.django_db
E = CommissionEntry
W = Withdrawal.Status


class CommissionMachine(RuleBasedStateMachine):
    orders = Bundle("orders")

    def __init__(self, shop):
        super().__init__()
        self.shop = shop
        # Each example starts from the fixture's data and leaves nothing behind.
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        self.days = 0

    def teardown(self):
        transaction.set_rollback(True)
        self.atomic.__exit__(None, None, None)

    @initialize(levels=st.integers(0, 3), minimum=st.sampled_from([1, 500, 2000]))
    def policy(self, levels, minimum):
        CommissionPolicy.objects.update_or_create(
            pk=1, defaults={"referral_levels": levels, "min_withdrawal": minimum}
        )

    @initialize(
        target=orders,
        buyers=st.lists(st.sampled_from(["c", "b", "a", "z"]), min_size=1, max_size=4),
    )
    def history(self, buyers):
        """Some matured orders first, so the wallets have money to withdraw from step one."""
        bought = [self.buy(buyer, 1, 1) for buyer in buyers]
        for order in bought:
            self.complete(order)
        self.mature(8)
        return multiple(*bought)

    def now(self):
        return timezone.now() + timedelta(days=self.days)

    @rule(
        target=orders,
        buyer=st.sampled_from(["c", "b", "a", "z"]),
        m=st.integers(0, 3),
        large=st.integers(0, 2),
    )
    def buy(self, buyer, m, large):
        lines = [Line(sku, q) for sku, q in ((self.shop.sku_m, m), (self.shop.sku_l, large)) if q]
        if not lines:
            lines = [Line(self.shop.sku_m, 1)]
        order = order_place(
            member=getattr(self.shop, buyer),
            lines=lines,
            fulfillment=Order.Fulfillment.IN_STORE,
            store=self.shop.store,
            channel=Order.Channel.IN_STORE,
        )
        return pay(order)

    @rule(order=orders)
    def complete(self, order):
        order.refresh_from_db()
        if order.status == Order.Status.PAID:
            order_hand_over(order=order, staff=self.shop.clerk)

    @rule(order=orders, pick=st.integers(0, 1), units=st.integers(1, 3))
    def refund_some(self, order, pick, units):
        order.refresh_from_db()
        if order.status not in SOLD | {Order.Status.COMPLETED}:
            return
        lines = [
            line for line in order.lines.order_by("pk") if line.refunded_quantity < line.quantity
        ]
        if not lines:
            return
        line = lines[pick % len(lines)]
        quantity = min(units, line.quantity - line.refunded_quantity)
        stages = set(E.objects.filter(order_line=line).values_list("status", flat=True))
        for stage in stages:
            event(f"refund of a {stage} earning")
        refund_execute(
            refund=refund_request(order=order, lines=[(line, quantity)], reason="machine")
        )

    @rule(order=orders)
    def complete_and_mature(self, order):
        self.complete(order)
        self.mature(8)

    def _refundable_paid_out(self):
        return list(
            Order.objects.filter(
                pk__in=E.objects.filter(kind=E.Kind.EARNING, withdrawal__isnull=False).values(
                    "order"
                ),
                status__in=SOLD | {Order.Status.COMPLETED},
            ).order_by("pk")
        )

    @precondition(lambda self: bool(self._refundable_paid_out()))
    @rule(pick=st.integers(0, 3), units=st.integers(1, 3))
    def refund_paid_out(self, pick, units):
        """A refund of an order whose commission is being withdrawn or was paid out."""
        orders = self._refundable_paid_out()
        self.refund_some(orders[pick % len(orders)], pick, units)

    @rule(days=st.integers(0, 10))
    def mature(self, days):
        self.days += days
        commissions_mature(now=self.now())

    def _open(self, status):
        return list(Withdrawal.objects.filter(status=status).order_by("pk"))

    def _can_request(self):
        minimum = CommissionPolicy.current().min_withdrawal
        return Wallet.objects.filter(available__gte=minimum, frozen=False).exists()

    @precondition(_can_request)
    @rule(pick=st.integers(0, 3), name=st.booleans())
    def request(self, pick, name):
        minimum = CommissionPolicy.current().min_withdrawal
        wallets = list(Wallet.objects.filter(available__gte=minimum).order_by("pk"))
        withdrawal_request(wallet=wallets[pick % len(wallets)], real_name="李雷" if name else "")

    @precondition(lambda self: Withdrawal.objects.filter(status=W.REQUESTED).exists())
    @rule(
        pick=st.integers(0, 3),
        decision=st.sampled_from(["approve", "approve", "approve", "reject", "cancel"]),
    )
    def decide(self, pick, decision):
        requested = self._open(W.REQUESTED)
        withdrawal = requested[pick % len(requested)]
        if decision == "approve":
            withdrawal_approve(withdrawal=withdrawal, actor=None)
        elif decision == "reject":
            withdrawal_reject(withdrawal=withdrawal, actor=None, reason="machine")
        else:
            withdrawal_cancel(withdrawal=withdrawal, actor_label="payee")

    @precondition(
        lambda self: Withdrawal.objects.filter(
            status__in=[W.APPROVED, W.AWAITING_CONFIRMATION]
        ).exists()
    )
    @rule(pick=st.integers(0, 3), accept=st.booleans())
    def payout(self, pick, accept):
        sent = self._open(W.APPROVED) + self._open(W.AWAITING_CONFIRMATION)
        withdrawal = withdrawal_payout(withdrawal=sent[pick % len(sent)])
        if accept and withdrawal.status == W.AWAITING_CONFIRMATION:
            assert withdrawal_accepted(withdrawal=withdrawal).status == W.PAID
            event("paid out")

    @invariant()
    def wallets_equal_their_ledger(self):
        assert commissions_check() == []

    @invariant()
    def every_earning_nets_to_what_is_still_paid_for_its_line(self):
        refunded = dict(
            RefundLine.objects.filter(refund__status=Refund.Status.SUCCEEDED)
            .values("order_line")
            .annotate(total=Sum("amount"))
            .values_list("order_line", "total")
        )
        reversed_by = dict(
            E.objects.filter(kind=E.Kind.REVERSAL)
            .values("reverses")
            .annotate(total=Sum("amount"))
            .values_list("reverses", "total")
        )
        for earning in E.objects.filter(kind=E.Kind.EARNING).select_related("order_line"):
            line = earning.order_line
            still_paid = line.paid_total - refunded.get(line.pk, 0)
            assert earning.amount == line.paid_total * earning.rate_bp // 10_000
            assert earning.amount + reversed_by.get(earning.pk, 0) == (
                still_paid * earning.rate_bp // 10_000
            )

    @invariant()
    def nothing_negative_but_debts_from_reversed_payouts(self):
        for wallet in Wallet.objects.all():
            assert min(wallet.pending, wallet.requested, wallet.withdrawn, wallet.reversed) >= 0
            if wallet.available < 0:
                # Only a reversal of commission already held or paid out makes a debt.
                assert E.objects.filter(
                    wallet=wallet,
                    kind=E.Kind.REVERSAL,
                    status=E.Status.CONFIRMED,
                    reverses__withdrawal__isnull=False,
                ).exists()
            confirmed_earnings = (
                E.objects.filter(wallet=wallet, kind=E.Kind.EARNING)
                .exclude(status=E.Status.PENDING)
                .aggregate(total=Sum("amount"))["total"]
                or 0
            )
            assert wallet.withdrawn + wallet.requested <= confirmed_earnings


def test_the_commission_ledger_holds_under_random_histories(chain):
    for sku in (chain.sku_m, chain.sku_l):
        stock_adjust(store=chain.store, sku=sku, delta=2000, reason="receipt")
    run_state_machine_as_test(
        lambda: CommissionMachine(chain),
        settings=settings(
            max_examples=30,
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )
