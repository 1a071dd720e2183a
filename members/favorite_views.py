"""收藏: the member's favorites page and the heart on the product page (the order actions
fragment includes it). Mounted at the site root by members/favorite_urls.py."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from catalog.models import Product
from members import selectors
from members.auth import current_member, member_required
from members.services import favorites as favorite_service
from o2o.redirects import redirect_to_next


def _login_url(next_url: str) -> str:
    return f"{reverse('members:login')}?{urlencode({'next': next_url})}"


@never_cache
@require_GET
@member_required
def favorites(request):
    return render(
        request,
        "members/favorites.html",
        {"favorites": selectors.member_favorites(current_member(request))},
    )


@require_POST
def favorite_toggle(request, code: str):
    """The heart on the product page (htmx): add or remove; answers with the new heart."""
    product = get_object_or_404(Product, code=code, is_active=True)
    member = current_member(request)
    if member is None:
        login = _login_url(reverse("catalog:product", args=[code]))
        if request.headers.get("HX-Request"):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = login
            return response
        return redirect(login)
    context = {
        "product": product,
        "is_favorite": favorite_service.favorite_toggle(member=member, product=product),
    }
    if request.headers.get("HX-Request"):
        return render(request, "members/_favorite_button.html", context)
    return redirect_to_next(request, request.POST.get("next"), default="favorites:list")
