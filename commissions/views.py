"""Shopper H5 pages of commissions, mounted at /m/: my earnings (wallet, entries, withdrawals)
and my team (level-1 and level-2 members, by masked names). Thin: parse, check, call one
service, render."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from commissions import selectors
from commissions.forms import WithdrawalRequestForm
from commissions.messages import commission_error_message
from commissions.models import Withdrawal
from commissions.presenters import SHOPPER_URLS, earnings_context
from commissions.services.wallets import wallet_for
from commissions.services.withdrawals import (
    withdrawal_accepted,
    withdrawal_cancel,
    withdrawal_request,
)
from members.auth import current_member, member_required
from o2o.errors import DomainError


@require_GET
@member_required
def earnings(request):
    """我的收益: what she earned by sharing, pending and available, and each entry's story."""
    member = current_member(request)
    wallet = selectors.wallet_of(member=member)
    return render(request, "commissions/earnings.html", earnings_context(wallet, urls=SHOPPER_URLS))


@require_GET
@member_required
def team(request):
    """我的团队: the members she brought in and theirs; counts and what their orders earned her."""
    member = current_member(request)
    invite_url = settings.SITE_URL + reverse("binding:invite", args=[member.referral_code])
    return render(
        request,
        "commissions/team.html",
        {
            "levels": selectors.member_team(member),
            "invite_url": invite_url,
            "invite_qr": reverse("binding:qr_invite", args=[member.referral_code]),
        },
    )


def _own_withdrawal(member, pk: int) -> Withdrawal:
    withdrawal = Withdrawal.objects.filter(pk=pk, wallet__member=member).first()
    if withdrawal is None:
        raise Http404
    return withdrawal


@require_POST
@member_required
def withdraw(request):
    member = current_member(request)
    form = WithdrawalRequestForm(request.POST)
    if form.is_valid():
        try:
            withdrawal_request(
                wallet=wallet_for(member=member), real_name=form.cleaned_data["real_name"]
            )
            messages.success(
                request, _("Withdrawal requested. HQ reviews it within 2 working days.")
            )
        except DomainError as error:
            messages.error(request, commission_error_message(error))
    return redirect("commissions:earnings")


@require_POST
@member_required
def withdrawal_cancel_view(request, pk: int):
    member = current_member(request)
    try:
        withdrawal_cancel(
            withdrawal=_own_withdrawal(member, pk), actor_label=member.display_name[:64]
        )
        messages.success(request, _("Withdrawal cancelled; the money is available again."))
    except DomainError as error:
        messages.error(request, commission_error_message(error))
    return redirect("commissions:earnings")


@require_POST
@member_required
def withdrawal_accept_view(request, pk: int):
    """After she accepted the transfer in WeChat (the page's button), record WeChat's answer."""
    withdrawal = withdrawal_accepted(withdrawal=_own_withdrawal(current_member(request), pk))
    if withdrawal.status == Withdrawal.Status.PAID:
        messages.success(request, _("The money is in your WeChat balance."))
    else:
        messages.info(request, _("WeChat has not confirmed the transfer yet."))
    return redirect("commissions:earnings")
