"""What a payee reads for each refusal (the exception text is for logs); the shopper pages and
the back office both use it."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from commissions import payouts
from commissions.exceptions import (
    BelowMinimum,
    InvalidWithdrawalTransition,
    NoPayoutAccount,
    RealNameRequired,
    WalletFrozen,
)
from commissions.models import CommissionPolicy
from o2o.errors import DomainError
from o2o.money import format_yuan

MESSAGES = {
    WalletFrozen: gettext_lazy(
        "Withdrawals from your wallet are on hold. Please contact customer service."
    ),
    RealNameRequired: gettext_lazy(
        "WeChat needs your real name for a transfer of ¥2,000.00 or more."
    ),
    NoPayoutAccount: gettext_lazy(
        "Log in with WeChat once, so the money can be sent to your WeChat balance."
    ),
    InvalidWithdrawalTransition: gettext_lazy("This withdrawal has moved on; see its status."),
    payouts.PayoutNotConfigured: gettext_lazy("Withdrawals are not available right now."),
}


def commission_error_message(error: DomainError) -> str:
    if isinstance(error, BelowMinimum):
        return _("You can withdraw from %(minimum)s available.") % {
            "minimum": format_yuan(CommissionPolicy.current().min_withdrawal)
        }
    for kind, message in MESSAGES.items():
        if isinstance(error, kind):
            return str(message)
    return _("This cannot be done: %(detail)s") % {"detail": error}
