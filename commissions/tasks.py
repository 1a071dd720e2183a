"""Commissions' background jobs: thin, idempotent, selecting work by state."""

import logging

from celery import shared_task

from commissions.models import Withdrawal
from commissions.services.maturity import commissions_mature
from commissions.services.wallets import commissions_check
from commissions.services.withdrawals import withdrawal_payout, withdrawals_sweep

logger = logging.getLogger("commissions.check")


@shared_task
def mature_commissions() -> str:
    """Nightly: pending entries of matured orders become available (`manage.py
    commissions_mature` for cron)."""
    return commissions_mature().message


@shared_task
def check_commissions() -> int:
    """Nightly: every wallet against the ledger; a mismatch is logged as an error for HQ's
    alerting (`manage.py commissions_check` exits non-zero instead)."""
    mismatches = commissions_check()
    for mismatch in mismatches:
        logger.error("commission ledger mismatch: %s", mismatch)
    return len(mismatches)


@shared_task
def pay_withdrawal(withdrawal_id: int) -> str:
    withdrawal = Withdrawal.objects.filter(pk=withdrawal_id).first()
    if withdrawal is None:
        return "missing"
    return withdrawal_payout(withdrawal=withdrawal).status


@shared_task
def sweep_withdrawals() -> int:
    return withdrawals_sweep()
