"""What the earnings pages show, for a member's wallet (shopper H5) or a clerk's (back office):
the same figures, entries and forms, with each audience's own URLs."""

from __future__ import annotations

from django.conf import settings

from commissions import payouts, selectors
from commissions.forms import WithdrawalRequestForm
from commissions.models import CommissionPolicy

SHOPPER_URLS = {
    "withdraw": "commissions:withdraw",
    "cancel": "commissions:withdrawal_cancel",
    "accept": "commissions:withdrawal_accept",
}


def earnings_context(wallet, *, urls: dict[str, str]) -> dict:
    """What an earnings page shows, for a member's or a clerk's wallet (the back office uses
    it too, with its own `urls` for the withdraw, cancel and accept forms)."""
    return {
        "urls": urls,
        "wallet": wallet,
        "figures": selectors.wallet_figures(wallet),
        "entries": selectors.wallet_entries(wallet),
        "withdrawals": selectors.wallet_withdrawals(wallet),
        "open_withdrawal": selectors.wallet_open_withdrawal(wallet),
        "policy": CommissionPolicy.current(),
        "real_name_threshold": payouts.REAL_NAME_THRESHOLD,
        "sandbox": settings.WECHAT_PAY_SANDBOX,
        "wechat_mch_id": settings.WECHAT_PAY_MCH_ID,
        "wechat_app_id": settings.WECHAT_APP_ID,
        "form": WithdrawalRequestForm(),
    }
