"""Withdrawals: a payee asks for her available money, HQ approves or rejects, the payout backend
transfers it (DESIGN §4 "Commission": withdrawals need HQ approval and a minimum).

A request takes every available entry of the wallet (so each entry names the withdrawal that
holds or paid it, and the amount is exactly the available balance). The wallet row is locked
while deciding, and entries are taken with a guarded update, so two requests at the same moment
cannot both take the same money: the second finds nothing available and is refused.

Status moves only through `withdrawal_transition` (one guarded UPDATE along
`withdrawal_status.TRANSITIONS`, an event row, and the money's move in the same transaction).
"""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

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
from commissions.services.wallets import wallet_figures_add
from commissions.withdrawal_status import EVENT_KIND, RELEASES, can_move
from members.models import Member

logger = logging.getLogger(__name__)
S = Withdrawal.Status
E = CommissionEntry
ACTOR_PAYOUT = "payout"


def _actor_label(actor) -> str:
    if actor is None:
        return ""
    staff = getattr(actor, "staff", None)
    return getattr(staff, "display_name", None) or actor.get_username()


def _event_add(withdrawal, *, kind, actor=None, actor_label="", note="", source="", to=""):
    WithdrawalEvent.objects.create(
        withdrawal=withdrawal,
        kind=WithdrawalEvent.Kind(kind),
        from_status=source,
        to_status=to,
        actor=actor,
        actor_label=actor_label or _actor_label(actor),
        note=note[:300],
    )


def payee_openid(wallet: Wallet) -> str:
    """Where WeChat sends the money: the member's openid; a clerk's own member account's (the
    member with her phone) when she has one."""
    if wallet.member_id:
        return wallet.member.openid or ""
    phone = (wallet.staff.phone or "").strip()
    if not phone:
        return ""
    return (
        Member.objects.filter(phone=phone, is_active=True).values_list("openid", flat=True).first()
        or ""
    )


@transaction.atomic
def withdrawal_request(*, wallet: Wallet, real_name: str = "", actor=None) -> Withdrawal:
    """Ask for the wallet's whole available balance (at least HQ's minimum) to be paid out.

    Refused when the wallet is frozen (WalletFrozen), below the minimum (BelowMinimum), without
    a WeChat account to pay to (NoPayoutAccount, outside the sandbox), or, from ¥2,000, without
    her real name (RealNameRequired).
    """
    wallet = (
        Wallet.objects.select_for_update(of=("self",))
        .select_related("member", "staff")
        .get(pk=wallet.pk)
    )
    if wallet.frozen:
        raise WalletFrozen()
    minimum = CommissionPolicy.current().min_withdrawal
    if wallet.available < minimum:
        raise BelowMinimum(f"available {wallet.available} fen is below the minimum {minimum}")
    real_name = (real_name or "").strip()[:32]
    if wallet.available >= payouts.REAL_NAME_THRESHOLD and not real_name:
        raise RealNameRequired()
    backend = payouts.payout_backend()
    openid = payee_openid(wallet)
    if backend.needs_openid and not openid:
        raise NoPayoutAccount()
    withdrawal = Withdrawal.objects.create(
        wallet=wallet,
        amount=wallet.available,
        out_bill_no=f"CW{timezone.localtime():%Y%m%d}{secrets.token_hex(6).upper()}",
        payee_openid=openid,
        real_name=real_name,
        backend=backend.name,
    )
    taken = list(
        E.objects.filter(wallet=wallet, status=E.Status.CONFIRMED, withdrawal__isnull=True)
        .select_for_update()
        .values_list("pk", "amount")
    )
    total = sum(amount for _pk, amount in taken)
    if total != wallet.available:
        # The figures disagree with the ledger: refuse rather than pay a wrong amount.
        raise RuntimeError(f"wallet {wallet.pk}: available {wallet.available} ≠ entries {total}")
    E.objects.filter(pk__in=[pk for pk, _amount in taken]).update(withdrawal=withdrawal)
    wallet_figures_add(wallet.pk, available=-total, requested=total)
    _event_add(
        withdrawal,
        kind=WithdrawalEvent.Kind.REQUESTED,
        actor=actor,
        actor_label="" if actor else wallet.owner_name[:64],
        to=S.REQUESTED,
    )
    return withdrawal


@transaction.atomic
def withdrawal_transition(
    *, withdrawal: Withdrawal, to: str, actor=None, actor_label: str = "", note: str = "", **fields
) -> Withdrawal:
    """Move a withdrawal to `to` if the table allows it and nobody moved it first, with the
    money: back to available (rejected, cancelled, failed) or paid out (paid).

    A guarded UPDATE (`WHERE status = <current>`): of two concurrent callers exactly one wins,
    the other gets InvalidWithdrawalTransition. Writes a WithdrawalEvent.
    """
    source = Withdrawal.objects.values_list("status", flat=True).get(pk=withdrawal.pk)
    if not can_move(source, to):
        raise InvalidWithdrawalTransition(f"withdrawal {withdrawal.out_bill_no}: {source} → {to}")
    now = timezone.now()
    if to == S.PAID:
        fields.setdefault("paid_at", now)
    wallet = Wallet.objects.select_for_update().get(pk=withdrawal.wallet_id)
    updated = Withdrawal.objects.filter(pk=withdrawal.pk, status=source).update(
        status=to, updated_at=now, **fields
    )
    if not updated:
        raise InvalidWithdrawalTransition(f"withdrawal {withdrawal.out_bill_no} moved meanwhile")
    held = E.objects.filter(withdrawal_id=withdrawal.pk, status=E.Status.CONFIRMED)
    if to in RELEASES:
        total = sum(held.values_list("amount", flat=True))
        held.update(withdrawal=None)
        wallet_figures_add(wallet.pk, requested=-total, available=total)
    elif to == S.PAID:
        total = sum(held.values_list("amount", flat=True))
        held.update(status=E.Status.WITHDRAWN)
        wallet_figures_add(wallet.pk, requested=-total, withdrawn=total)
    _event_add(
        withdrawal,
        kind=EVENT_KIND[to],
        actor=actor,
        actor_label=actor_label,
        note=note,
        source=source,
        to=to,
    )
    withdrawal.refresh_from_db()
    return withdrawal


@transaction.atomic
def withdrawal_approve(*, withdrawal: Withdrawal, actor) -> Withdrawal:
    """HQ approves; the payout runs after commit (a Celery task)."""
    wallet = Wallet.objects.get(pk=withdrawal.wallet_id)
    if wallet.frozen:
        raise WalletFrozen()
    payouts.payout_backend()  # fail closed now, not later in a task: PayoutNotConfigured
    withdrawal = withdrawal_transition(withdrawal=withdrawal, to=S.APPROVED, actor=actor)
    CommissionAudit.objects.create(
        action=CommissionAudit.Action.WITHDRAWAL_APPROVED,
        target=f"withdrawal {withdrawal.out_bill_no}",
        detail=f"{withdrawal.amount} fen to {wallet.owner_name}"[:200],
        actor=actor,
    )
    from commissions.tasks import pay_withdrawal

    withdrawal_id = withdrawal.pk
    # A head start only: with the broker down this is logged, not raised (HQ's page answers),
    # and `sweep_withdrawals` pays approved withdrawals that were never sent.
    transaction.on_commit(lambda: pay_withdrawal.delay(withdrawal_id), robust=True)
    return withdrawal


@transaction.atomic
def withdrawal_reject(*, withdrawal: Withdrawal, actor, reason: str) -> Withdrawal:
    reason = (reason or "").strip()
    if not reason:
        raise ReasonRequired()
    withdrawal = withdrawal_transition(
        withdrawal=withdrawal, to=S.REJECTED, actor=actor, note=reason, reason=reason[:200]
    )
    CommissionAudit.objects.create(
        action=CommissionAudit.Action.WITHDRAWAL_REJECTED,
        target=f"withdrawal {withdrawal.out_bill_no}",
        detail=reason[:200],
        actor=actor,
    )
    return withdrawal


def withdrawal_cancel(*, withdrawal: Withdrawal, actor_label: str) -> Withdrawal:
    """The payee takes her request back while HQ has not decided."""
    return withdrawal_transition(
        withdrawal=withdrawal, to=S.CANCELLED, actor_label=actor_label[:64]
    )


def _apply(withdrawal: Withdrawal, result: payouts.TransferResult) -> Withdrawal:
    fields = {}
    if result.transfer_id:
        fields["transfer_id"] = result.transfer_id[:64]
    if result.state == payouts.SUCCESS:
        return withdrawal_transition(
            withdrawal=withdrawal, to=S.PAID, actor_label=ACTOR_PAYOUT, **fields
        )
    if result.state == payouts.FAIL:
        return withdrawal_transition(
            withdrawal=withdrawal,
            to=S.FAILED,
            actor_label=ACTOR_PAYOUT,
            note=result.fail_reason,
            reason=result.fail_reason[:200],
            **fields,
        )
    if result.state == payouts.WAIT_USER_CONFIRM and withdrawal.status == S.APPROVED:
        return withdrawal_transition(
            withdrawal=withdrawal,
            to=S.AWAITING_CONFIRMATION,
            actor_label=ACTOR_PAYOUT,
            package_info=result.package_info[:500],
            **fields,
        )
    return withdrawal  # still on its way: asked again by the sweep


def withdrawal_payout(*, withdrawal: Withdrawal) -> Withdrawal:
    """Send an approved withdrawal's transfer (no lock held) and record WeChat's answer.

    Retry-safe: the transfer number is the withdrawal's, and WeChat pays one number once; a
    frozen wallet is not paid (the withdrawal waits); an unknown outcome leaves it approved for
    the sweep to ask again.
    """
    withdrawal = Withdrawal.objects.select_related("wallet").get(pk=withdrawal.pk)
    if withdrawal.status != S.APPROVED:
        return withdrawal
    if withdrawal.wallet.frozen:
        logger.warning("withdrawal %s not paid: wallet frozen", withdrawal.out_bill_no)
        return withdrawal
    backend = payouts.payout_backend()
    try:
        result = backend.transfer(
            out_bill_no=withdrawal.out_bill_no,
            openid=withdrawal.payee_openid,
            amount=withdrawal.amount,
            real_name=withdrawal.real_name,
            remark="佣金提现",
        )
    except payouts.PayoutUnavailable:
        logger.warning("payout %s: outcome unknown, asked again later", withdrawal.out_bill_no)
        return withdrawal
    try:
        return _apply(withdrawal, result)
    except InvalidWithdrawalTransition:
        return Withdrawal.objects.get(pk=withdrawal.pk)  # a concurrent run recorded it first


def withdrawal_refresh(*, withdrawal: Withdrawal) -> Withdrawal:
    """Ask the backend how a sent transfer stands (the payee accepted it, or let it lapse)."""
    withdrawal = Withdrawal.objects.get(pk=withdrawal.pk)
    if withdrawal.status not in {S.APPROVED, S.AWAITING_CONFIRMATION}:
        return withdrawal
    try:
        result = payouts.payout_backend().query(out_bill_no=withdrawal.out_bill_no)
    except payouts.PayoutUnavailable:
        if withdrawal.status == S.APPROVED:
            return withdrawal_payout(withdrawal=withdrawal)  # never sent: send it now
        return withdrawal
    try:
        return _apply(withdrawal, result)
    except InvalidWithdrawalTransition:
        return Withdrawal.objects.get(pk=withdrawal.pk)


def withdrawal_accepted(*, withdrawal: Withdrawal) -> Withdrawal:
    """The payee's page says she accepted the transfer in WeChat: ask WeChat (in the sandbox,
    accept it there first) and record the answer."""
    backend = payouts.payout_backend()
    if isinstance(backend, payouts.SandboxPayoutBackend):
        backend.sandbox_accept(out_bill_no=withdrawal.out_bill_no)
    return withdrawal_refresh(withdrawal=withdrawal)


def withdrawals_sweep(*, older_than: timedelta = timedelta(minutes=5), limit: int = 200) -> int:
    """Approved withdrawals never sent (a crashed task) and transfers still waiting: ask again.
    Selects by state, so running it twice is harmless; returns how many were looked at."""
    stale = timezone.now() - older_than
    ids = list(
        Withdrawal.objects.filter(
            status__in=[S.APPROVED, S.AWAITING_CONFIRMATION], updated_at__lte=stale
        )
        .order_by("updated_at")
        .values_list("pk", flat=True)[:limit]
    )
    for withdrawal_id in ids:
        withdrawal_refresh(withdrawal=Withdrawal(pk=withdrawal_id))
    return len(ids)
