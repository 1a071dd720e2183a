"""A clerk links her WeChat to her staff account (OAuth from the back office), so store alerts and
template messages (new offers, reminders, follow-ups due) reach her phone; she can unlink it, and
leaving the chain unlinks it (members.services.binding.staff_deactivate)."""

from __future__ import annotations

import logging
import secrets

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from backoffice.access import staff_required
from o2o import wechat
from stores.services import staff_wechat_link, staff_wechat_unlink

logger = logging.getLogger(__name__)
STATE_KEY = "staff_wechat_link_state"


@staff_required
def page(request):
    """Whether her WeChat is linked, and the button to link or unlink it."""
    return TemplateResponse(
        request,
        "backoffice/members/wechat_link.html",
        {"clerk": request.staff, "wechat_configured": settings.WECHAT_CONFIGURED},
    )


@require_POST
@staff_required
def start(request):
    """To WeChat's authorize page; it comes back to `callback` with a code."""
    if not settings.WECHAT_CONFIGURED:
        messages.error(request, _("WeChat is not configured."))
        return redirect("members_backoffice:wechat_link")
    state = secrets.token_urlsafe(16)
    request.session[STATE_KEY] = state
    redirect_uri = settings.SITE_URL + reverse("members_backoffice:wechat_link_callback")
    return redirect(
        wechat.wechat_oauth(redirect_uri, scope="snsapi_base", state=state).authorize_url
    )


@staff_required
def callback(request):
    """WeChat's answer: the code becomes her openid, kept on her staff account."""
    state = request.session.pop(STATE_KEY, None)
    code = request.GET.get("code", "")
    if not state or not code or not secrets.compare_digest(state, request.GET.get("state", "")):
        messages.error(request, _("The WeChat link was not completed. Please try again."))
        return redirect("members_backoffice:wechat_link")
    try:
        identity = wechat.oauth_identity_fetch(code=code, scope="snsapi_base")
    except wechat.WeChatUnavailable:
        logger.warning("staff WeChat link: sign-in failed for staff %s", request.staff.pk)
        messages.error(request, _("WeChat could not be reached. Please try again."))
        return redirect("members_backoffice:wechat_link")
    staff_wechat_link(staff=request.staff, openid=identity.openid)
    messages.success(request, _("Your WeChat is linked: store alerts will reach you there."))
    return redirect("members_backoffice:wechat_link")


@require_POST
@staff_required
def unlink(request):
    staff_wechat_unlink(staff=request.staff)
    messages.success(request, _("Your WeChat is unlinked."))
    return redirect("members_backoffice:wechat_link")
