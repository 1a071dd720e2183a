"""The shopper's saved delivery addresses (/m/addresses/): list, add, edit, delete, default.

Each address keeps a map point in GCJ-02: WeChat's wx.getLocation answers in it; a browser's GPS
fix (WGS-84) is shifted by `o2o.geo.position_from_query` (coords=wgs84) before it is saved.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from members.auth import current_member, member_required
from members.forms import AddressForm
from members.models import Address
from members.services.addresses import address_delete, address_save, address_set_default
from o2o.errors import DomainError
from o2o.geo import position_from_query
from o2o.parsing import whole_number
from o2o.redirects import safe_next_url


def _mine(request, pk) -> Address:
    pk = whole_number(pk, minimum=1)
    address = Address.objects.filter(member=current_member(request), pk=pk).first()
    if address is None:
        raise Http404
    return address


@never_cache
@member_required
def address_list(request):
    addresses = list(Address.objects.filter(member=current_member(request)))
    return render(request, "members/addresses.html", {"addresses": addresses})


@never_cache
@member_required
@require_http_methods(["GET", "POST"])
def address_edit(request, pk: int | None = None):
    """Add (no pk) or edit one address; the map point comes from the page's locate button."""
    member = current_member(request)
    existing = _mine(request, pk) if pk is not None else None
    asked = request.POST.get("next") or request.GET.get("next")
    back = safe_next_url(request, asked, default="addresses:list") if asked else ""
    initial = {}
    if existing is not None:
        initial = {name: getattr(existing, name) for name in AddressForm.base_fields}
    form = AddressForm(request.POST if request.method == "POST" else None, initial=initial)
    point = None
    if request.method == "POST":
        try:
            point = position_from_query(request.POST)
        except ValueError:
            point = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            address = address_save(
                member=member,
                existing=existing,
                name=data["name"],
                phone=data["phone"],
                address=data["address"],
                label=data["label"],
                latitude=point[0] if point else None,
                longitude=point[1] if point else None,
                make_default=data["is_default"],
            )
        except DomainError as refused:
            form.add_error(None, str(refused)[:1].upper() + str(refused)[1:])
        else:
            messages.success(request, _("Address saved."))
            if back:
                return redirect(f"{back}{'&' if '?' in back else '?'}saved={address.pk}")
            return redirect("addresses:list")
    if point is None and existing is not None:
        point = (existing.latitude, existing.longitude)
    return render(
        request,
        "members/address_form.html",
        {"address": existing, "form": form, "point": point, "next": back},
        status=400 if form.errors else 200,
    )


@member_required
@require_POST
def address_remove(request, pk: int):
    address_delete(member=current_member(request), address=_mine(request, pk))
    messages.success(request, _("Address deleted."))
    return redirect("addresses:list")


@member_required
@require_POST
def address_default(request, pk: int):
    address_set_default(member=current_member(request), address=_mine(request, pk))
    return redirect("addresses:list")
