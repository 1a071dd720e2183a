"""Store back office for members: the counter's member lookup and the clerk's own QR code.

A member card QR scanned at the lookup opens the member's page (`customers.detail`), as the
desk scanner does; a typed member code or phone shows her at a glance, with a link to her page
when she is one of the store's members.
"""

from __future__ import annotations

import logging
import re

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from backoffice.access import member_is_the_stores, member_presented_remember, staff_required
from backoffice.forms import MemberLookupForm
from backoffice.responses import domain_error_message
from members.card import CardTokenError, card_token_looks_like, card_token_verify
from members.exceptions import InvalidPhone
from members.models import Member
from members.services.accounts import phone_normalize
from o2o.qr import qr_data_uri
from o2o.wechat import WeChatUnavailable, clerk_qr_ticket

MEMBER_CODE_PATTERN = re.compile(r"^M\d{9}$")

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


def member_page_redirect(request, member: Member):
    """To the member's page; an htmx request is told to go there as a whole page."""
    url = reverse("customers_backoffice:detail", args=[member.member_code])
    if request.headers.get("HX-Request"):
        return HttpResponse(headers={"HX-Redirect": url})
    return redirect(url)


@staff_required
def scan(request):
    """Scan the member card's QR → her page; type the member code or phone → her at a glance."""
    member = None
    form = MemberLookupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        text = form.cleaned_data["code"]
        if card_token_looks_like(text):
            try:
                member = card_token_verify(text)
            except CardTokenError as error:
                form.add_error("code", domain_error_message(error))
            else:
                # She showed her card here: her page opens at this counter, whatever her store.
                member_presented_remember(request, member)
                return member_page_redirect(request, member)
        else:
            member = _member_find(text)
            if member is None:
                form.add_error("code", _("No member has this member code or phone number."))
    context = {
        "form": form,
        "member": member,
        "member_page": member is not None and member_is_the_stores(request.staff, member),
    }
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
