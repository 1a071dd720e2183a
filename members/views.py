"""Shopper pages of members: phone login, demo picker, member card, notices."""

from __future__ import annotations

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from members import card as member_card
from members.auth import current_member, member_login, member_logout, member_required
from members.binding_links import (
    pending_binding_apply,
    pending_binding_joined_via,
    pending_binding_peek,
)
from members.forms import CodeForm, PhoneForm
from members.models import Member, Notice
from members.services.accounts import member_get_or_create_by_phone
from members.services.login_codes import (
    MAX_WRONG_ATTEMPTS,
    LoginCodeError,
    login_code_send,
    login_code_verify,
)
from o2o.client_ip import client_ip
from o2o.parsing import whole_number
from o2o.qr import qr_data_uri
from o2o.redirects import safe_next_url
from o2o.throttle import throttled_message

DEMO_MEMBERS_SHOWN = 10
NOTICES_SHOWN = 100


def _next_url(request) -> str:
    """Where to go after logging in: a path on this site, else the member card."""
    candidate = request.POST.get("next") or request.GET.get("next")
    return safe_next_url(request, candidate, default="members:card")


def _wechat_login_url(request, next_url: str) -> str | None:
    """The WeChat login link, offered only inside WeChat with WeChat configured."""
    if not settings.WECHAT_CONFIGURED:
        return None
    if "MicroMessenger" not in request.headers.get("User-Agent", ""):
        return None
    return "/wechat/oauth/start?" + urlencode({"next": next_url})


# After a code is sent, the login page remembers which phone it went to (until the code expires)
# and redirects to itself, so reloading the page, or coming back to it from the SMS app, shows the
# code step again instead of sending the phone form once more.
PENDING_CODE_KEY = "login_code_pending"


def _pending_code_remember(request, sent) -> None:
    now = int(time.time())
    request.session[PENDING_CODE_KEY] = {
        "phone": sent.phone,
        "expires": now + sent.expires_in,
        "resend": now + sent.resend_after,
        # Shown on screen in demo mode only; never kept otherwise.
        "demo_code": sent.code if settings.DEMO_MODE else "",
    }


def _pending_code(request) -> dict | None:
    pending = request.session.get(PENDING_CODE_KEY)
    if not isinstance(pending, dict) or pending.get("expires", 0) <= time.time():
        return None
    return pending


_CODE_ERRORS = {
    LoginCodeError.EXPIRED: lambda e: _(
        "This code has expired or was already used. Send a new code."
    ),
    LoginCodeError.WRONG: lambda e: _("Wrong code. Please check the text message and try again."),
    LoginCodeError.TOO_MANY_ATTEMPTS: lambda e: (
        _("Too many wrong codes (%(count)d). Send a new code.") % {"count": MAX_WRONG_ATTEMPTS}
    ),
    LoginCodeError.THROTTLED: lambda e: (
        _("A code was sent a moment ago. You can ask for another in %(seconds)d seconds.")
        % {"seconds": e.retry_after}
    ),
    LoginCodeError.LIMITED: lambda e: throttled_message(e.retry_after),
}


def _login_page(request, *, step, phone_form=None, code_form=None, status=200):
    next_url = _next_url(request)
    pending = _pending_code(request)
    context = {
        "step": step,
        "phone_form": phone_form or PhoneForm(),
        "code_form": code_form,
        "next": next_url,
        "demo_code": pending.get("demo_code", "") if pending and step == "code" else "",
        # Seconds until "Send a new code" may be pressed again (the button counts down).
        "resend_in": max(0, int(pending["resend"] - time.time())) if pending else 0,
        "wechat_login_url": _wechat_login_url(request, next_url),
        "pending": pending_binding_peek(request.session),
    }
    return render(request, "members/login.html", context, status=status)


def _finish_login(request, member: Member):
    """Log in, apply what she scanned before logging in, go where she was going."""
    member_login(request, member)
    pending_binding_apply(request, member)
    return redirect(_next_url(request))


@never_cache
@require_http_methods(["GET", "POST"])
def login(request):
    """Phone login: send a 6-digit code by SMS, then check it (steps "phone" and "code")."""
    if request.method == "GET":
        if current_member(request):
            return redirect(_next_url(request))
        pending = _pending_code(request)
        if pending and request.GET.get("step") != "phone":
            code_form = CodeForm(initial={"phone": pending["phone"]})
            return _login_page(request, step="code", code_form=code_form)
        return _login_page(request, step="phone")

    if "code" not in request.POST:
        phone_form = PhoneForm(request.POST)
        if not phone_form.is_valid():
            return _login_page(request, step="phone", phone_form=phone_form)
        phone = phone_form.cleaned_data["phone"]
        try:
            sent = login_code_send(phone=phone, client=client_ip(request))
        except LoginCodeError as error:
            phone_form.add_error(None, _CODE_ERRORS[error.code](error))
            return _login_page(request, step="phone", phone_form=phone_form, status=429)
        _pending_code_remember(request, sent)
        next_param = request.POST.get("next")
        return redirect(
            reverse("members:login") + ("?" + urlencode({"next": next_param}) if next_param else "")
        )

    code_form = CodeForm(request.POST)
    if not code_form.is_valid():
        if code_form.has_error("phone"):
            return _login_page(request, step="phone", phone_form=PhoneForm(request.POST))
        return _login_page(request, step="code", code_form=code_form)
    phone = code_form.cleaned_data["phone"]
    try:
        login_code_verify(
            phone=phone, code=code_form.cleaned_data["code"], client=client_ip(request)
        )
    except LoginCodeError as error:
        if error.code in (LoginCodeError.EXPIRED, LoginCodeError.TOO_MANY_ATTEMPTS):
            request.session.pop(PENDING_CODE_KEY, None)  # no code left to enter
        code_form.add_error("code", _CODE_ERRORS[error.code](error))
        # A wrong or expired code is an ordinary form error (200); only limits answer 429.
        status = 429 if error.http_status == 429 else 200
        return _login_page(request, step="code", code_form=code_form, status=status)
    request.session.pop(PENDING_CODE_KEY, None)
    member, created = member_get_or_create_by_phone(
        phone=phone, joined_via=pending_binding_joined_via(request.session)
    )
    if not member.is_active:
        code_form.add_error(None, _("This membership is closed. Please contact the store."))
        return _login_page(request, step="code", code_form=code_form)
    if created:
        messages.success(request, _("Welcome! Your member card is ready."))
    return _finish_login(request, member)


@never_cache
@require_http_methods(["GET", "POST"])
def login_demo(request):
    """One-tap login as a recent member, for HQ trying the platform (DEMO_MODE only)."""
    if not settings.DEMO_MODE:
        raise Http404
    if request.method == "POST":
        member_id = whole_number(request.POST.get("member"), minimum=1)
        member = get_object_or_404(Member, pk=member_id, is_active=True)
        return _finish_login(request, member)
    demo_members = Member.objects.filter(is_active=True).select_related(
        "home_store", "bound_clerk"
    )[:DEMO_MEMBERS_SHOWN]
    return render(
        request,
        "members/login_demo.html",
        {"demo_members": demo_members, "next": _next_url(request)},
    )


@require_POST
def logout(request):
    member_logout(request)
    messages.success(request, _("You have logged out."))
    return redirect("catalog:home")


def _card_qr_context(member) -> dict:
    token = member_card.card_token_issue(member)
    return {
        "qr_data_uri": qr_data_uri(token),
        "refresh_seconds": member_card.REFRESH_SECONDS,
    }


def _no_store(response):
    # A card QR is a bearer credential for a minute: no cache, proxy or back button keeps it.
    response["Cache-Control"] = "no-store, private"
    return response


@require_GET
@member_required
def card(request):
    """The member card (会员码): refreshing QR, member code, points, tier, home store, clerk."""
    member = current_member(request)
    context = {
        "member": member,
        "unread_notices": Notice.objects.filter(member=member, read_at__isnull=True).count(),
        **_card_qr_context(member),
    }
    return _no_store(render(request, "members/card.html", context))


@require_GET
def card_qr(request):
    """The QR partial htmx fetches every minute."""
    member = current_member(request)
    if not member:
        # The session ended while the card was open: send the whole page to the login, not the
        # login page into the QR box.
        login_url = "/m/login/?" + urlencode({"next": reverse("members:card")})
        response = HttpResponse(status=204)
        response["HX-Redirect"] = login_url
        return response if request.headers.get("HX-Request") else redirect(login_url)
    return _no_store(render(request, "members/_card_qr.html", _card_qr_context(member)))


@require_GET
@member_required
def notices(request):
    """Her in-app notices, newest first; opening the page marks them read."""
    member = current_member(request)
    shown = list(Notice.objects.filter(member=member)[:NOTICES_SHOWN])
    # A read receipt, not a business action: one guarded UPDATE, so a concurrent new notice
    # (not yet shown) stays unread.
    Notice.objects.filter(pk__in=[n.pk for n in shown if n.read_at is None]).update(
        read_at=timezone.now()
    )
    return render(request, "members/notices.html", {"notices": shown})
