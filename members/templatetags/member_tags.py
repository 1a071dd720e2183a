"""Shopper-facing member components.

`{% clerk_card member %}` — "payment is service" (支付即服务): after paying, on the receipt and on
the member card the shopper sees who serves her (her bound clerk, with the QR to add her) or, when
she has none, her home store. Pages using it include `css/members.css`.
"""

from django import template
from django.conf import settings
from django.urls import reverse

register = template.Library()


def clerk_card_subject(member):
    """(clerk, store) to show for `member`: her active clerk, else her active home store."""
    if not member:
        return None, None
    if member.bound_clerk_id:
        clerk = member.bound_clerk
        if clerk.is_active and clerk.store.is_active:
            return clerk, clerk.store
    if member.home_store_id and member.home_store.is_active:
        return None, member.home_store
    return None, None


@register.inclusion_tag("members/_clerk_card.html")
def clerk_card(member):
    clerk, store = clerk_card_subject(member)
    context = {"clerk": clerk, "store": store}
    if clerk is not None:
        context["qr_src"] = reverse("binding:qr_clerk", args=[clerk.staff_code])
        context["link"] = settings.SITE_URL + reverse("binding:clerk", args=[clerk.staff_code])
    elif store is not None:
        context["qr_src"] = reverse("binding:qr_store", args=[store.code])
        context["link"] = settings.SITE_URL + reverse("binding:store", args=[store.code])
    return context


@register.filter
def initials(name) -> str:
    """'李娜' → '李'; 'Anna Lee' → 'AL' (the avatar when a clerk has no photo)."""
    words = str(name or "").split()
    if not words:
        return "?"
    if len(words) > 1 and words[0].isascii():
        return (words[0][0] + words[-1][0]).upper()
    return words[0][0].upper()


@register.filter
def phone_masked(phone) -> str:
    """'13800138000' → '138****8000' (what a counter screen shows)."""
    phone = str(phone or "")
    if len(phone) < 7:
        return phone
    return f"{phone[:3]}****{phone[-4:]}"
