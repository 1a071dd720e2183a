"""The store's stock room: look up an item here and in nearby stores, ask a store for it for a
customer (调货), ship what other stores asked for, and count in what arrives.

A transfer is visible to the two stores at its ends only (anyone else: 404); the sending store
ships it, the receiving store receives it, either end can cancel it before it ships. The
inventory services do the work; these views check who is asking and tell them what happened.
"""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from backoffice.access import (
    access_transfer,
    check_transfer_receiver,
    check_transfer_sender,
    staff_required,
)
from backoffice.responses import domain_error_message
from backoffice.stock_forms import (
    StockSearchForm,
    TransferCancelForm,
    TransferReceiveForm,
    TransferRequestForm,
)
from catalog.models import SKU
from catalog.selectors import sku_for_scan_get
from inventory.models import Transfer
from inventory.selectors import (
    sku_availability_nearby,
    sku_stock_at_store,
    sku_stock_search,
    store_transfers,
)
from inventory.services import (
    transfer_cancel,
    transfer_receive,
    transfer_request,
    transfer_ship,
)
from o2o.errors import DomainError
from o2o.geo import format_distance
from stores.selectors import shopper_visible_stores

NEARBY_STORES = 8


def _item_context(request, sku: SKU, request_form: TransferRequestForm | None = None) -> dict:
    """One SKU: the store's numbers, the nearest stores that have it, and a request form each."""
    store = request.staff.store
    nearby = sku_availability_nearby(
        sku=sku,
        latitude=float(store.latitude),
        longitude=float(store.longitude),
        limit=NEARBY_STORES,
        exclude_store=store,
    )
    asked_from = None
    if request_form is not None and request_form.data:
        asked_from = request_form.data.get("from_store")
    rows = []
    for row in nearby:
        chosen = asked_from == str(row.store.pk)
        rows.append(
            {
                "store": row.store,
                "available": row.available,
                "distance": format_distance(row.distance_km),
                # The form that failed keeps its input and errors; the others start fresh.
                "form": request_form
                if chosen
                else TransferRequestForm(initial={"sku": sku.pk, "from_store": row.store.pk}),
                "open": chosen,
            }
        )
    return {"sku": sku, "here": sku_stock_at_store(sku=sku, store=store), "nearby": rows}


@staff_required
def stock_room(request):
    """Search by name, code or barcode, or open one item (`?sku=<code>`, what a scanned label
    links to): its stock here, in nearby stores with the distance, and the transfer request."""
    store = request.staff.store
    search = StockSearchForm(request.GET or None)
    context = {"search": search, "results": [], "sku": None}
    code = (request.GET.get("sku") or "").strip()
    if code:
        sku = sku_for_scan_get(code=code)
        if sku is None:
            context["not_found"] = code[:64]
        else:
            context |= _item_context(request, sku)
    elif search.is_valid() and search.cleaned_data["q"]:
        results = sku_stock_search(store=store, query=search.cleaned_data["q"])
        if len(results) == 1:
            context |= _item_context(request, results[0])
        context["results"] = results
    return TemplateResponse(request, "backoffice/stock/room.html", context)


@require_POST
@staff_required
def ask(request):
    """Ask another store for units of one SKU, for a customer; their units are held at once."""
    store = request.staff.store
    form = TransferRequestForm(request.POST)
    valid = form.is_valid()
    sku_id = form.cleaned_data.get("sku")
    sku = SKU.objects.select_related("product").filter(pk=sku_id).first() if sku_id else None
    if sku is None:
        messages.error(request, _("This item is no longer sold."))
        return redirect("stock_backoffice:room")
    if not valid:
        return TemplateResponse(
            request,
            "backoffice/stock/room.html",
            {"search": StockSearchForm(), "results": [], **_item_context(request, sku, form)},
            status=400,
        )
    data = form.cleaned_data
    source = shopper_visible_stores().filter(pk=data["from_store"]).first()
    back = f"{reverse('stock_backoffice:room')}?sku={sku.code}"
    if source is None or source.pk == store.pk:
        messages.error(request, _("Choose another open store to ask."))
        return redirect(back)
    try:
        transfer = transfer_request(
            from_store=source,
            to_store=store,
            lines=[(sku.pk, data["quantity"])],
            actor=request.user,
            note=data["note"],
            expected_on=data["expected_on"],
            customer_reference=data["customer_reference"],
        )
    except DomainError as error:
        messages.error(request, domain_error_message(error))
        return redirect(back)
    messages.success(
        request,
        _("Asked %(store)s for %(quantity)s × %(item)s; expected on %(day)s.")
        % {
            "store": source.name,
            "quantity": data["quantity"],
            "item": f"{sku.product.name} {sku}",
            "day": data["expected_on"].isoformat(),
        },
    )
    return redirect("stock_backoffice:transfer", pk=transfer.pk)


@staff_required
def transfers(request):
    """The store's transfers: to ship for other stores, arriving here, asked for, sent, recent."""
    return TemplateResponse(
        request,
        "backoffice/stock/transfers.html",
        {"transfers": store_transfers(store=request.staff.store)},
    )


@staff_required
def transfer_detail(request, pk: int):
    """One transfer seen from either end, with what this store can do about it now."""
    transfer = access_transfer(request.staff, pk)
    return TemplateResponse(
        request, "backoffice/stock/transfer.html", _transfer_context(request, transfer)
    )


def _transfer_context(request, transfer: Transfer, receive_form=None) -> dict:
    store_id = request.staff.store_id
    requested = transfer.state == Transfer.State.REQUESTED
    receiving = transfer.state == Transfer.State.SHIPPED and transfer.to_store_id == store_id
    lines = list(transfer.lines.all())
    return {
        "transfer": transfer,
        "lines": lines,
        "we_send": transfer.from_store_id == store_id,
        "can_ship": requested and transfer.from_store_id == store_id,
        "can_cancel": requested,
        "receive_form": (receive_form or TransferReceiveForm(lines=lines)) if receiving else None,
        "cancel_form": TransferCancelForm() if requested else None,
        "differences": [line for line in lines if line.difference],
    }


def _act(request, transfer: Transfer, action, success: str):
    try:
        action()
    except DomainError as error:
        messages.error(request, domain_error_message(error))
    else:
        messages.success(request, success % {"number": transfer.pk})
    return redirect("stock_backoffice:transfer", pk=transfer.pk)


@require_POST
@staff_required
def ship(request, pk: int):
    """The sending store packed the units: they leave its stock and are on the way."""
    transfer = check_transfer_sender(request.staff, pk)
    return _act(
        request,
        transfer,
        lambda: transfer_ship(transfer=transfer, actor=request.user),
        _("Transfer T%(number)s shipped; the other store sees it on the way."),
    )


@require_POST
@staff_required
def receive(request, pk: int):
    """The receiving store counted the box: the counted units join its stock."""
    transfer = check_transfer_receiver(request.staff, pk)
    form = TransferReceiveForm(request.POST, lines=transfer.lines.all())
    if not form.is_valid():
        context = _transfer_context(request, transfer, receive_form=form)
        return TemplateResponse(request, "backoffice/stock/transfer.html", context, status=400)
    return _act(
        request,
        transfer,
        lambda: transfer_receive(
            transfer=transfer,
            actor=request.user,
            counts=form.counts(),
            note=form.cleaned_data["note"],
        ),
        _("Transfer T%(number)s received; the counted units are in your stock."),
    )


@require_POST
@staff_required
def cancel(request, pk: int):
    """Either store calls off a request before it ships; the held units are free again."""
    staff = request.staff
    transfer = access_transfer(staff, pk)
    form = TransferCancelForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    who = (
        _("Declined by %(store)s")
        if transfer.from_store_id == staff.store_id
        else _("Cancelled by %(store)s")
    ) % {"store": staff.store.name}
    return _act(
        request,
        transfer,
        lambda: transfer_cancel(
            transfer=transfer,
            actor=request.user,
            note=f"{who}: {reason}" if reason else who,
        ),
        _("Transfer T%(number)s cancelled; the held units are on sale again."),
    )
