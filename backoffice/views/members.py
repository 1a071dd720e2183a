"""Store back office for members: the counter's member lookup and the clerk's own QR code."""

from __future__ import annotations

import logging
import re

from django.conf import settings
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from backoffice.access import staff_required
from backoffice.forms import MemberLookupForm
from members.card import CardTokenError, card_token_looks_like, card_token_verify
from members.exceptions import InvalidPhone
from members.models import Member
from members.services.accounts import phone_normalize
from o2o.qr import qr_data_uri
from o2o.wechat import WeChatUnavailable, clerk_qr_ticket

MEMBER_CODE_PATTERN = re.compile(r"^M\d{9}$")

_CARD_ERRORS = {
    CardTokenError.EXPIRED: lambda: _(
        "This card code has expired. Ask the shopper to open her member card again."
    ),
    CardTokenError.REPLAYED: lambda: _(
        "This card code was already used. Ask the shopper to show her card again: "
        "it changes every minute."
    ),
    CardTokenError.INVALID: lambda: _("This is not a valid member card code."),
}

logger = logging.getLogger(__name__)


def _member_find(text: str) -> Member | None:
    """The member a typed member code or phone number names (None when no one)."""
    members = Member.objects.select_related("home_store", "bound_clerk", "bound_clerk__store")
    if MEMBER_CODE_PATTERN.match(text.upper()):
        return members.filter(member_code=text.upper(), is_active=True).first()
    try:
        phone = phone_normalize(text)
    except InvalidPhone:
        return None
    return members.filter(phone=phone, is_active=True).first()


@staff_required
def scan(request):
    """Scan the member card's QR (or type the member code or phone) → the member at a glance."""
    member = None
    form = MemberLookupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        text = form.cleaned_data["code"]
        if card_token_looks_like(text):
            try:
                member = card_token_verify(text)
            except CardTokenError as error:
                form.add_error("code", _CARD_ERRORS[error.code]())
        else:
            member = _member_find(text)
            if member is None:
                form.add_error("code", _("No member has this member code or phone number."))
    context = {"form": form, "member": member}
    if request.headers.get("HX-Request"):
        # The scanner posts with htmx and swaps only the result; the input is cleared for the
        # next shopper.
        return TemplateResponse(request, "backoffice/members/scan_result.html", context)
    return TemplateResponse(request, "backoffice/members/scan.html", context)


@staff_required
def my_qr(request):
    """The clerk's own binding QR: printable, and shareable as a link."""
    staff = request.staff
    link = settings.SITE_URL + reverse("binding:clerk", args=[staff.staff_code])
    qr_src = reverse("binding:qr_clerk", args=[staff.staff_code])
    if settings.WECHAT_CONFIGURED:
        # Inside WeChat her follow-and-bind code does both at once; the H5 link stays the
        # fallback when WeChat cannot be reached.
        try:
            qr_src = qr_data_uri(clerk_qr_ticket(staff)["url"])
        except WeChatUnavailable:
            logger.warning("WeChat QR for clerk %s unavailable; showing the H5 link", staff.pk)
    return TemplateResponse(
        request,
        "backoffice/members/my_qr.html",
        {
            "clerk": staff,
            "link": link,
            "qr_src": qr_src,
            "store_active": staff.store.is_active,
        },
    )
