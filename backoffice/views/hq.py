"""HQ in the back office: pick the store whose desk to look at (read-only), or go back to one's
own store. The choice lives in the session (`backoffice.access.desk_store_set`)."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Q
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from backoffice.access import desk_store_set, staff_required
from o2o.parsing import whole_number
from stores.models import Staff, Store

HQ = [Staff.Role.HQ]
LISTED = 100


@staff_required(roles=HQ, read_only_ok=True)
def stores(request):
    """Every store by code, filtered by name, code or city; choosing one opens its desk."""
    own_store = request.home_store
    if request.method == "POST":
        chosen = whole_number(request.POST.get("store"), minimum=1)
        store = Store.objects.filter(pk=chosen).first() if chosen else None
        if store is None or store.pk == own_store.pk:
            desk_store_set(request, None)
            messages.success(request, _("Back at your own store."))
        else:
            desk_store_set(request, store)
            messages.info(request, _("Looking at %(store)s, read-only.") % {"store": store.name})
        return redirect("backoffice:home")
    query = (request.GET.get("q") or "").strip()[:64]
    listed = Store.objects.select_related("region").order_by("code")
    if query:
        listed = listed.filter(
            Q(name__icontains=query) | Q(code__icontains=query) | Q(city__icontains=query)
        )
    return TemplateResponse(
        request,
        "backoffice/hq/stores.html",
        {
            "stores": list(listed[:LISTED]),
            "query": query,
            "own_store": own_store,
            "viewing": request.staff.store,
        },
    )
