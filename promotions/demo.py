"""Demo promotions: a 1-yuan flash sale (15 yuan shipping by parcel) shared out among five
Shanghai stores, a workshop at sh01, and 千店千面 at two stores (sh01 prices a dress lower, sh02
does not carry a coat). Idempotent: looked up by title and code, nothing created twice."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from catalog.models import SKU, Product
from inventory.models import StockLevel, StockMovement
from inventory.services import stock_adjust
from promotions.models import FlashSale, RepriceRule, StoreEvent, StoreProduct
from promotions.services.flash import flash_quotas_set
from promotions.services.storefront import store_product_set
from stores.models import Store

FLASH_TITLE = "1元抢 · 法式碎花连衣裙"
FLASH_PER_STORE = 10
EVENT_TITLE = "丝巾系法小课堂"


def _shops():
    shops = Store.objects.filter(is_active=True).exclude(kind=Store.Kind.WAREHOUSE)
    return list(shops.filter(code__startswith="sh").order_by("code")[:5])


def _seed_flash_sale(stores, now) -> int:
    if FlashSale.objects.filter(title=FLASH_TITLE).exists():
        return 0
    sku = (
        SKU.objects.filter(is_active=True, product__is_active=True, product__name="法式碎花连衣裙")
        .order_by("code")
        .first()
    )
    if sku is None:
        return 0
    for store in stores:
        # Enough stock at each store for its share of the sale.
        level = StockLevel.objects.filter(store=store, sku=sku).first()
        available = level.on_hand - level.reserved if level else 0
        if available < FLASH_PER_STORE:
            stock_adjust(
                store=store,
                sku=sku,
                delta=FLASH_PER_STORE - available,
                reason=StockMovement.Reason.RECEIPT,
                reference="demo flash sale",
            )
    sale = FlashSale.objects.create(
        title=FLASH_TITLE,
        sku=sku,
        price=100,
        shipping_fee=1500,
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(days=7),
        total_quota=FLASH_PER_STORE * len(stores),
        per_member_limit=1,
    )
    flash_quotas_set(sale=sale, quotas={store: FLASH_PER_STORE for store in stores})
    return 1


def _seed_event(store, now) -> int:
    if store is None or StoreEvent.objects.filter(store=store, title=EVENT_TITLE).exists():
        return 0
    starts = (timezone.localtime(now) + timedelta(days=3)).replace(
        hour=15, minute=0, second=0, microsecond=0
    )
    StoreEvent.objects.create(
        store=store,
        title=EVENT_TITLE,
        description="二十分钟学会三种丝巾系法，现场试戴新品，到场会员领取小样一份。",
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
        capacity=20,
    )
    return 1


def _seed_storefronts(stores) -> int:
    by_code = {store.code: store for store in stores}
    dress = Product.objects.filter(name="法式碎花连衣裙").first()
    coat = Product.objects.filter(name="双面呢落肩大衣").first()
    written = 0
    if dress is not None and "sh01" in by_code:
        RepriceRule.objects.get_or_create(
            product=dress, defaults={"max_discount_bp": 1500, "max_markup_bp": 500}
        )
        if not StoreProduct.objects.filter(store=by_code["sh01"], product=dress).exists():
            store_product_set(
                store=by_code["sh01"], product=dress, price=dress.base_price * 90 // 100
            )
            written += 1
    if coat is not None and "sh02" in by_code:
        if not StoreProduct.objects.filter(store=by_code["sh02"], product=coat).exists():
            store_product_set(store=by_code["sh02"], product=coat, is_listed=False)
            written += 1
    return written


@transaction.atomic
def seed_promotions() -> dict:
    now = timezone.now()
    stores = _shops()
    if not stores:
        return {"flash_sales": 0, "events": 0, "store_products": 0}
    return {
        "flash_sales": _seed_flash_sale(stores, now),
        "events": _seed_event(stores[0], now),
        "store_products": _seed_storefronts(stores),
    }
