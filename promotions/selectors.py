"""Reads of the shopper and back-office pages of flash sales, events and storefronts."""

from __future__ import annotations

from django.db.models import Q, Sum
from django.utils import timezone

from catalog import store_prices
from catalog.models import SKU
from catalog.selectors import code_is_plausible, product_tiles
from promotions.models import EventBooking, FlashQuotaBucket, FlashSale, StoreEvent
from stores.models import Store

STORE_PAGE_PRODUCTS = 20


def store_front_get(*, code: str) -> Store | None:
    if not code_is_plausible(code):
        return None
    return (
        Store.objects.filter(code=code, is_active=True).exclude(kind=Store.Kind.WAREHOUSE).first()
    )


def flash_sales_live(*, now=None, store=None):
    """Open and coming flash sales (that have a share at `store`, when given), soonest first."""
    now = now or timezone.now()
    sales = FlashSale.objects.filter(is_active=True, ends_at__gt=now).select_related("sku__product")
    if store is not None:
        sales = sales.filter(store_quotas__store=store, store_quotas__quota__gt=0)
    return list(sales.order_by("starts_at")[:10])


def flash_sale_get(*, pk) -> FlashSale | None:
    return FlashSale.objects.filter(pk=pk, is_active=True).select_related("sku__product").first()


def flash_store_rows(*, sale: FlashSale) -> list[dict]:
    """Each store with a share: its quota and what is left, for the picker and live counters."""
    left = dict(
        FlashQuotaBucket.objects.filter(sale=sale)
        .values("store_id")
        .annotate(left=Sum("remaining"))
        .values_list("store_id", "left")
    )
    return [
        {"store": quota.store, "quota": quota.quota, "left": left.get(quota.store_id, 0)}
        for quota in sale.store_quotas.select_related("store").filter(store__is_active=True)
    ]


def store_events_upcoming(*, store, now=None):
    now = now or timezone.now()
    return list(
        StoreEvent.objects.filter(store=store, is_published=True, ends_at__gt=now).order_by(
            "starts_at"
        )[:10]
    )


def store_event_get(*, pk, published_only: bool = True) -> StoreEvent | None:
    events = StoreEvent.objects.select_related("store")
    if published_only:
        events = events.filter(is_published=True)
    return events.filter(pk=pk).first()


def event_booking_of(*, event, member) -> EventBooking | None:
    if member is None:
        return None
    return (
        EventBooking.objects.filter(event=event, member=member)
        .filter(Q(status=EventBooking.Status.BOOKED) | Q(status=EventBooking.Status.CHECKED_IN))
        .first()
    )


def event_attendees(*, event):
    return list(
        event.bookings.exclude(status=EventBooking.Status.CANCELLED).select_related("member")
    )


def store_products(*, store) -> list:
    """The store's range as tiles, each with the store's price (千店千面), newest first."""
    tiles = list(
        store_prices.products_offered_at(product_tiles(), store).order_by("-created_at", "code")[
            :STORE_PAGE_PRODUCTS
        ]
    )
    if not tiles:
        return tiles
    skus = list(SKU.objects.filter(product__in=tiles, is_active=True).select_related("product"))
    prices = store_prices.sku_prices_at(skus, store)
    by_product: dict[int, list[int]] = {}
    for sku in skus:
        by_product.setdefault(sku.product_id, []).append(prices[sku.pk])
    for tile in tiles:
        own = by_product.get(tile.pk)
        if own:
            tile.min_price, tile.max_price = min(own), max(own)
    return tiles


def event_booking_by_voucher(*, code: str) -> EventBooking | None:
    return (
        EventBooking.objects.filter(voucher_code=code)
        .select_related("event__store", "member")
        .first()
    )
