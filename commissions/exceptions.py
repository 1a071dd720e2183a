"""Commissions' domain errors with stable codes."""

from o2o.errors import DomainError


class CommissionError(DomainError):
    code = "commission_error"


class WalletFrozen(CommissionError):
    """This wallet is frozen by HQ: it still earns, but cannot withdraw."""

    code = "wallet_frozen"
    http_status = 409


class BelowMinimum(CommissionError):
    """The available balance is below the minimum withdrawal."""

    code = "below_minimum"
    http_status = 409


class RealNameRequired(CommissionError):
    """A transfer of this size needs the payee's real name."""

    code = "real_name_required"


class NoPayoutAccount(CommissionError):
    """No WeChat account to transfer the money to."""

    code = "no_payout_account"
    http_status = 409


class InvalidWithdrawalTransition(CommissionError):
    """The withdrawal cannot move to that status (now)."""

    code = "invalid_withdrawal_transition"
    http_status = 409


class ReasonRequired(CommissionError):
    """Give a reason."""

    code = "reason_required"
