"""Withdrawals (DESIGN §4 "Commission"): a minimum, HQ's approval, the payout's states, frozen
beneficiaries, and what each move does to the wallet."""

import pytest
from django.contrib.auth import get_user_model

from commissions import payouts
from commissions.exceptions import (
    BelowMinimum,
    InvalidWithdrawalTransition,
    NoPayoutAccount,
    RealNameRequired,
    ReasonRequired,
    WalletFrozen,
)
from commissions.models import (
    CommissionAudit,
    CommissionEntry,
    CommissionPolicy,
    Wallet,
    Withdrawal,
    WithdrawalEvent,
)
from commissions.services.wallets import commissions_check, wallet_freeze, wallet_unfreeze
from commissions.services.withdrawals import (
    withdrawal_accepted,
    withdrawal_approve,
    withdrawal_cancel,
    withdrawal_payout,
    withdrawal_reject,
    withdrawal_request,
    withdrawals_sweep,
)
from orders.services.checkout import Line
from orders.services.refunds import refund_execute, refund_request
from tests.commissions.money import completed, figures, matured

pytestmark = pytest.mark.django_db
S = Withdrawal.Status


@pytest.fixture
def hq(db):
    return get_user_model().objects.create_user("hq-admin", is_staff=True, is_superuser=True)


@pytest.fixture
def clerk_wallet(chain):
    matured(chain)  # K: ¥29.95 available (minimum ¥10.00)
    return Wallet.objects.get(staff=chain.clerk)


class FailingBackend(payouts.SandboxPayoutBackend):
    name = "failing"

    def transfer(self, **kwargs):
        return payouts.TransferResult(payouts.FAIL, fail_reason="OPENID_INVALID")


class InstantBackend(payouts.SandboxPayoutBackend):
    name = "instant"

    def transfer(self, **kwargs):
        return payouts.TransferResult(payouts.SUCCESS, transfer_id="T-1")


def test_a_request_holds_the_whole_available_balance(clerk_wallet):
    withdrawal = withdrawal_request(wallet=clerk_wallet)

    assert (withdrawal.amount, withdrawal.status) == (2995, S.REQUESTED)
    assert figures(clerk_wallet) | {"pending": 0} == {
        "pending": 0,
        "available": 0,
        "requested": 2995,
        "withdrawn": 0,
        "reversed": 0,
    }
    assert set(
        CommissionEntry.objects.filter(wallet=clerk_wallet).values_list("withdrawal", flat=True)
    ) == {withdrawal.pk}
    # Nothing left: a second request is below the minimum.
    with pytest.raises(BelowMinimum):
        withdrawal_request(wallet=clerk_wallet)


def test_below_the_minimum_nothing_is_requested(chain):
    CommissionPolicy.objects.update_or_create(pk=1, defaults={"min_withdrawal": 5000})
    matured(chain)

    with pytest.raises(BelowMinimum):
        withdrawal_request(wallet=Wallet.objects.get(staff=chain.clerk))
    assert not Withdrawal.objects.exists()


def test_approved_paid_after_the_payee_accepts(clerk_wallet, hq):
    withdrawal = withdrawal_request(wallet=clerk_wallet)

    withdrawal_approve(withdrawal=withdrawal, actor=hq)
    waiting = withdrawal_payout(withdrawal=withdrawal)
    assert waiting.status == S.AWAITING_CONFIRMATION and waiting.package_info
    assert figures(clerk_wallet)["requested"] == 2995
    done = withdrawal_accepted(withdrawal=withdrawal)

    assert done.status == S.PAID and done.paid_at is not None
    assert figures(clerk_wallet)["withdrawn"] == 2995
    assert figures(clerk_wallet)["requested"] == 0
    assert set(
        CommissionEntry.objects.filter(wallet=clerk_wallet).values_list("status", flat=True)
    ) == {"withdrawn"}
    assert list(done.events.values_list("kind", "from_status", "to_status")) == [
        (WithdrawalEvent.Kind.REQUESTED, "", S.REQUESTED),
        (WithdrawalEvent.Kind.APPROVED, S.REQUESTED, S.APPROVED),
        (WithdrawalEvent.Kind.AWAITING_CONFIRMATION, S.APPROVED, S.AWAITING_CONFIRMATION),
        (WithdrawalEvent.Kind.PAID, S.AWAITING_CONFIRMATION, S.PAID),
    ]
    assert done.events.get(kind="approved").actor == hq
    assert CommissionAudit.objects.filter(action="withdrawal_approved", actor=hq).exists()
    assert commissions_check() == []


def test_a_payout_repeated_does_not_pay_twice(clerk_wallet, hq, settings):
    settings.COMMISSION_PAYOUT_BACKEND = "tests.commissions.test_withdrawals.InstantBackend"
    withdrawal = withdrawal_request(wallet=clerk_wallet)
    withdrawal_approve(withdrawal=withdrawal, actor=hq)

    assert withdrawal_payout(withdrawal=withdrawal).status == S.PAID
    assert withdrawal_payout(withdrawal=withdrawal).status == S.PAID
    assert figures(clerk_wallet)["withdrawn"] == 2995
    assert withdrawal.events.filter(kind="paid").count() == 1


def test_hq_rejects_with_a_reason_and_the_money_is_available_again(clerk_wallet, hq):
    withdrawal = withdrawal_request(wallet=clerk_wallet)

    with pytest.raises(ReasonRequired):
        withdrawal_reject(withdrawal=withdrawal, actor=hq, reason="  ")
    rejected = withdrawal_reject(withdrawal=withdrawal, actor=hq, reason="check your account")

    assert (rejected.status, rejected.reason) == (S.REJECTED, "check your account")
    assert figures(clerk_wallet)["available"] == 2995
    assert not CommissionEntry.objects.filter(withdrawal=withdrawal).exists()
    with pytest.raises(InvalidWithdrawalTransition):
        withdrawal_approve(withdrawal=rejected, actor=hq)
    assert withdrawal_request(wallet=clerk_wallet).amount == 2995


def test_the_payee_cancels_before_hq_decides(clerk_wallet, hq):
    withdrawal = withdrawal_request(wallet=clerk_wallet)
    withdrawal_cancel(withdrawal=withdrawal, actor_label="K")

    assert figures(clerk_wallet)["available"] == 2995
    with pytest.raises(InvalidWithdrawalTransition):
        withdrawal_cancel(withdrawal=withdrawal, actor_label="K")


def test_a_failed_transfer_gives_the_money_back(clerk_wallet, hq, settings):
    settings.COMMISSION_PAYOUT_BACKEND = "tests.commissions.test_withdrawals.FailingBackend"
    withdrawal = withdrawal_request(wallet=clerk_wallet)
    withdrawal_approve(withdrawal=withdrawal, actor=hq)

    failed = withdrawal_payout(withdrawal=withdrawal)

    assert (failed.status, failed.reason) == (S.FAILED, "OPENID_INVALID")
    assert figures(clerk_wallet)["available"] == 2995
    assert commissions_check() == []


def test_from_2000_yuan_the_real_name_is_required(chain):
    matured(chain, lines=[Line(chain.sku_m, 20)])  # B: 20 × ¥17.97 = ¥359.40; K: ¥599.00
    CommissionPolicy.objects.update_or_create(pk=1, defaults={"min_withdrawal": 1000})
    wallet = Wallet.objects.get(staff=chain.clerk)
    Wallet.objects.filter(pk=wallet.pk).update(available=payouts.REAL_NAME_THRESHOLD)
    try:
        with pytest.raises(RealNameRequired):
            withdrawal_request(wallet=wallet)
    finally:
        Wallet.objects.filter(pk=wallet.pk).update(available=59900)
    # Below the threshold no name is needed.
    assert withdrawal_request(wallet=wallet).real_name == ""


def test_the_sandbox_refuses_a_large_transfer_without_a_name_like_wechat():
    backend = payouts.SandboxPayoutBackend()
    refused = backend.transfer(
        out_bill_no="CWTEST1",
        openid="",
        amount=payouts.REAL_NAME_THRESHOLD,
        real_name="",
        remark="",
    )
    named = backend.transfer(
        out_bill_no="CWTEST2",
        openid="",
        amount=payouts.REAL_NAME_THRESHOLD,
        real_name="李雷",
        remark="",
    )

    assert (refused.state, refused.fail_reason) == (payouts.FAIL, "NAME_REQUIRED")
    assert named.state == payouts.WAIT_USER_CONFIRM


def test_a_frozen_beneficiary_still_earns_but_cannot_withdraw(clerk_wallet, chain, hq):
    wallet_freeze(wallet=clerk_wallet, reason="self-dealing suspected", actor=hq)
    matured(chain)  # still earns

    assert figures(clerk_wallet)["available"] == 2 * 2995
    with pytest.raises(WalletFrozen):
        withdrawal_request(wallet=clerk_wallet)

    wallet_unfreeze(wallet=clerk_wallet, actor=hq)
    withdrawal = withdrawal_request(wallet=clerk_wallet)
    wallet_freeze(wallet=clerk_wallet, reason="again", actor=hq)
    with pytest.raises(WalletFrozen):
        withdrawal_approve(withdrawal=withdrawal, actor=hq)
    assert list(CommissionAudit.objects.order_by("id").values_list("action", "actor")) == [
        ("wallet_frozen", hq.pk),
        ("wallet_unfrozen", hq.pk),
        ("wallet_frozen", hq.pk),
    ]


def test_an_approved_payout_waits_while_the_wallet_is_frozen(clerk_wallet, hq):
    withdrawal = withdrawal_request(wallet=clerk_wallet)
    withdrawal_approve(withdrawal=withdrawal, actor=hq)
    wallet_freeze(wallet=clerk_wallet, reason="hold", actor=hq)

    assert withdrawal_payout(withdrawal=withdrawal).status == S.APPROVED
    wallet_unfreeze(wallet=clerk_wallet, actor=hq)
    assert withdrawal_payout(withdrawal=withdrawal).status == S.AWAITING_CONFIRMATION


def test_outside_the_sandbox_a_payee_needs_a_wechat_account_and_hq_needs_keys(
    clerk_wallet, hq, settings
):
    withdrawal = withdrawal_request(wallet=clerk_wallet)
    settings.WECHAT_PAY_SANDBOX = False

    with pytest.raises(payouts.PayoutNotConfigured):
        withdrawal_approve(withdrawal=withdrawal, actor=hq)
    assert Withdrawal.objects.get(pk=withdrawal.pk).status == S.REQUESTED
    withdrawal_reject(withdrawal=withdrawal, actor=hq, reason="test")
    settings.COMMISSION_PAYOUT_BACKEND = "tests.commissions.test_payouts.KeyedWeChatBackend"
    with pytest.raises(NoPayoutAccount):
        withdrawal_request(wallet=clerk_wallet)  # the clerk has no member account with WeChat


def test_the_sweep_sends_approved_withdrawals_that_never_left(clerk_wallet, hq):
    withdrawal = withdrawal_request(wallet=clerk_wallet)
    withdrawal_approve(withdrawal=withdrawal, actor=hq)  # its task never ran (no commit here)
    Withdrawal.objects.filter(pk=withdrawal.pk).update(updated_at="2020-01-01T00:00:00Z")

    assert withdrawals_sweep() == 1
    assert Withdrawal.objects.get(pk=withdrawal.pk).status == S.AWAITING_CONFIRMATION


def test_refund_of_an_order_whose_commission_is_being_withdrawn(chain, clerk_wallet, hq):
    order = completed(chain)  # a second order, pending
    withdrawal = withdrawal_request(wallet=clerk_wallet)
    refund_execute(refund=refund_request(order=order, lines=None, reason="returned"))

    assert figures(clerk_wallet) == {
        "pending": 0,
        "available": 0,
        "requested": 2995,
        "withdrawn": 0,
        "reversed": 2995,
    }
    assert withdrawal.amount == 2995
    assert commissions_check() == []
