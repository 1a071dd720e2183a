"""Shopper pages of the loyalty programme: her points history, the points gift catalog and
new-arrival subscriptions.

Each view parses input, calls one service and renders; domain errors become messages.
"""

from __future__ import annotations

from collections import defaultdict

from django import forms
from django.contrib import messages
from django.db.models import F
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from catalog.models import Category, Product
from inventory.exceptions import InsufficientStock
from inventory.models import StockLevel
from members.auth import current_member, member_required
from members.exceptions import InsufficientPoints
from members.models import Gift, GiftRedemption, PointsEntry, Subscription
from members.services import arrivals, gifts
from o2o.errors import DomainError, TooManyAttempts
from o2o.qr import qr_svg
from o2o.throttle import throttled_message
from stores.models import Store


def domain_error_message(error: DomainError) -> str:
    """A sentence for the shopper or the clerk; the exception text is for logs."""
    if isinstance(error, TooManyAttempts):
        return throttled_message(error.retry_after)
    known = {
        InsufficientPoints: _("You do not have enough points for this gift."),
        InsufficientStock: _("Sorry, this store has just run out of this gift."),
        gifts.GiftUnavailable: _("This gift is no longer available."),
        gifts.GiftNotFound: _("No gift pickup with this code at your store."),
        gifts.GiftNotAllowed: _("Only a clerk or manager of the pickup store can hand it over."),
        gifts.GiftAlreadyClosed: _("This gift was already picked up or cancelled."),
        gifts.GiftPickupExpired: _("The pickup period has passed; the gift is no longer held."),
        arrivals.InvalidSubscription: _("Choose a category or a brand."),
    }
    for kind, message in known.items():
        if isinstance(error, kind):
            return message
    return str(error)


def _stores_with_gift_stock(sku_ids) -> dict[int, list[Store]]:
    """{sku_id: [stores with at least one unit available]} in one query."""
    levels = (
        StockLevel.objects.filter(
            sku_id__in=sku_ids,
            on_hand__gt=F("reserved"),
            store__is_active=True,
        )
        .exclude(store__kind=Store.Kind.WAREHOUSE)
        .select_related("store")
        .order_by("store__city", "store__name")
    )
    stores: dict[int, list[Store]] = defaultdict(list)
    for level in levels:
        stores[level.sku_id].append(level.store)
    return stores


def _home_first(stores: list[Store], member) -> list[Store]:
    home_id = member.home_store_id if member else None
    return sorted(stores, key=lambda store: store.pk != home_id)


class GiftRedeemForm(forms.Form):
    store = forms.ModelChoiceField(
        queryset=Store.objects.none(),
        label=gettext_lazy("Pick up at"),
        empty_label=None,
    )

    def __init__(self, *args, stores, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["store"].queryset = Store.objects.filter(pk__in=[s.pk for s in stores])
        self.fields["store"].choices = [(s.pk, f"{s.name} · {s.address}") for s in stores]


POINTS_SHOWN = 100


@member_required
def points_history(request):
    """积分明细: the newest entries of her points ledger, each with the balance it left."""
    member = current_member(request)
    entries = list(PointsEntry.objects.filter(member=member)[: POINTS_SHOWN + 1])
    more = len(entries) > POINTS_SHOWN
    balance = member.points_balance  # the ledger's sum; walk back from it, newest first
    rows = []
    for entry in entries[:POINTS_SHOWN]:
        reference = entry.reference
        rows.append(
            {
                "entry": entry,
                "balance": balance,
                "order_number": reference.split(":", 1)[1]
                if reference.startswith("order:")
                else "",
            }
        )
        balance -= entry.delta
    return TemplateResponse(
        request,
        "members/loyalty_points.html",
        {"member": member, "rows": rows, "more": more, "shown": POINTS_SHOWN},
    )


@member_required
def gift_list(request):
    member = current_member(request)
    catalog = list(Gift.objects.filter(is_active=True, sku__is_active=True).select_related("sku"))
    stores = _stores_with_gift_stock([gift.sku_id for gift in catalog])
    rows = []
    for gift in catalog:
        gift_stores = _home_first(stores.get(gift.sku_id, []), member)
        rows.append(
            {
                "gift": gift,
                "stores": gift_stores,
                "affordable": member.points_balance >= gift.points_cost,
                "form": GiftRedeemForm(stores=gift_stores, prefix=f"g{gift.pk}")
                if gift_stores
                else None,
            }
        )
    return TemplateResponse(request, "members/loyalty_gifts.html", {"member": member, "rows": rows})


@require_POST
@member_required
def gift_redeem(request, gift_id: int):
    member = current_member(request)
    gift = get_object_or_404(Gift.objects.select_related("sku"), pk=gift_id, is_active=True)
    stores = _stores_with_gift_stock([gift.sku_id]).get(gift.sku_id, [])
    form = GiftRedeemForm(request.POST, stores=stores, prefix=f"g{gift.pk}")
    if not form.is_valid():
        messages.error(request, _("Please pick a store that has this gift."))
        return redirect("loyalty:gifts")
    try:
        redemption = gifts.gift_redeem(member=member, gift=gift, store=form.cleaned_data["store"])
    except DomainError as error:
        messages.error(request, domain_error_message(error))
        return redirect("loyalty:gifts")
    messages.success(
        request,
        _("Redeemed! Show the code %(code)s at %(store)s within %(days)d days.")
        % {
            "code": redemption.pickup_code,
            "store": redemption.store.name,
            "days": gifts.PICKUP_DAYS,
        },
    )
    return redirect("loyalty:my_gifts")


@member_required
def my_gifts(request):
    member = current_member(request)
    redemptions = list(
        GiftRedemption.objects.filter(member=member)
        .select_related("gift", "store")
        .order_by("-created_at", "-id")[:50]
    )
    for redemption in redemptions:
        if redemption.state == GiftRedemption.State.RESERVED:
            redemption.qr_svg = qr_svg(redemption.pickup_code)
    return TemplateResponse(
        request,
        "members/loyalty_my_gifts.html",
        {"member": member, "redemptions": redemptions, "pickup_days": gifts.PICKUP_DAYS},
    )


@require_POST
@member_required
def my_gift_cancel(request, pk: int):
    member = current_member(request)
    redemption = get_object_or_404(
        GiftRedemption.objects.select_related("gift"), pk=pk, member=member
    )
    try:
        gifts.gift_cancel(redemption=redemption)
    except DomainError as error:
        messages.error(request, domain_error_message(error))
    else:
        messages.success(request, _("Cancelled; your points are back."))
    return redirect("loyalty:my_gifts")


class SubscribeForm(forms.Form):
    category = forms.ModelChoiceField(
        queryset=Category.objects.filter(is_active=True).select_related("parent"),
        required=False,
        label=gettext_lazy("Category"),
    )
    brand = forms.ChoiceField(required=False, label=gettext_lazy("Brand"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        brands = (
            Product.objects.filter(is_active=True)
            .exclude(brand="")
            .order_by("brand")
            .values_list("brand", flat=True)
            .distinct()
        )
        self.fields["brand"].choices = [("", "---------")] + [(b, b) for b in brands]
        self.fields["category"].label_from_instance = lambda c: (
            f"{c.parent.name} › {c.name}" if c.parent_id else c.name
        )

    def clean(self):
        cleaned = super().clean()
        if bool(cleaned.get("category")) == bool(cleaned.get("brand")):
            raise forms.ValidationError(_("Choose a category or a brand."))
        return cleaned


@member_required
def subscriptions(request):
    member = current_member(request)
    form = SubscribeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            arrivals.subscription_add(
                member=member,
                category=form.cleaned_data.get("category"),
                brand=form.cleaned_data.get("brand") or "",
            )
        except DomainError as error:
            messages.error(request, domain_error_message(error))
        else:
            messages.success(request, _("Subscribed. We will tell you about new arrivals."))
        return redirect("loyalty:subscriptions")
    mine = Subscription.objects.filter(member=member).select_related("category").order_by("id")
    return TemplateResponse(
        request,
        "members/loyalty_subscriptions.html",
        {"member": member, "form": form, "subscriptions": mine},
        status=400 if form.errors else 200,
    )


@require_POST
@member_required
def unsubscribe(request, pk: int):
    member = current_member(request)
    if arrivals.subscription_remove(member=member, subscription_id=pk):
        messages.success(request, _("Unsubscribed."))
    return redirect("loyalty:subscriptions")
