"""HQ's admin of flash sales, events and storefronts: pages load, shares become buckets, live
counters, store prices refused outside HQ's rule."""

from __future__ import annotations

import pytest
from django.urls import reverse

from promotions.models import FlashQuotaBucket, FlashSale, RepriceRule, StoreProduct
from promotions.services.flash import flash_quota_claim
from tests.promotions.event_fixtures import store_event_make
from tests.promotions.flash_fixtures import flash_sale_make

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "model", ["flashsale", "flashclaim", "storeevent", "repricerule", "storeproduct"]
)
def test_admin_pages_load(admin_client, flash_shop, model):
    sale = flash_sale_make(flash_shop, stores=flash_shop.stores[:2])
    flash_quota_claim(sale=sale, store=flash_shop.store, member=flash_shop.member)
    store_event_make(flash_shop.store)

    assert admin_client.get(reverse(f"admin:promotions_{model}_changelist")).status_code == 200
    assert admin_client.get(reverse(f"admin:promotions_{model}_add")).status_code in (200, 403)


def test_the_changelist_shows_live_counters(admin_client, flash_shop):
    sale = flash_sale_make(flash_shop, stores=flash_shop.stores[:2], per_store=10)
    flash_quota_claim(sale=sale, store=flash_shop.store, member=flash_shop.member)

    page = admin_client.get(reverse("admin:promotions_flashsale_changelist")).content.decode()

    assert '<td class="field-units_left">19</td>' in page
    assert '<td class="field-units_held">1</td>' in page


def _sale_form(flash_shop, **quotas):
    data = {
        "title": "1元抢",
        "sku": flash_shop.sku_m.pk,
        "price": "1.00",
        "shipping_fee": "15.00",
        "starts_at_0": "2030-01-01",
        "starts_at_1": "10:00:00",
        "ends_at_0": "2030-01-01",
        "ends_at_1": "12:00:00",
        "total_quota": "20",
        "per_member_limit": "1",
        "buckets_per_store": "4",
        "is_active": "on",
        "store_quotas-TOTAL_FORMS": str(len(quotas)),
        "store_quotas-INITIAL_FORMS": "0",
        "store_quotas-MIN_NUM_FORMS": "0",
        "store_quotas-MAX_NUM_FORMS": "1000",
    }
    for index, (code, units) in enumerate(quotas.items()):
        store = next(store for store in flash_shop.stores if store.code == code)
        data[f"store_quotas-{index}-store"] = store.pk
        data[f"store_quotas-{index}-quota"] = str(units)
    return data


def test_adding_a_sale_with_store_shares_writes_the_buckets(admin_client, flash_shop):
    response = admin_client.post(
        reverse("admin:promotions_flashsale_add"), _sale_form(flash_shop, sh01=10, sh02=10)
    )

    assert response.status_code == 302
    sale = FlashSale.objects.get()
    assert sale.price == 100 and sale.shipping_fee == 1500
    assert FlashQuotaBucket.objects.filter(sale=sale).count() == 8
    assert sum(FlashQuotaBucket.objects.values_list("remaining", flat=True)) == 20


def test_shares_above_the_total_are_refused(admin_client, flash_shop):
    response = admin_client.post(
        reverse("admin:promotions_flashsale_add"), _sale_form(flash_shop, sh01=15, sh02=10)
    )

    assert response.status_code == 200
    assert FlashSale.objects.count() == 0


def test_a_store_price_outside_the_rule_is_refused_in_the_admin(admin_client, shop):
    RepriceRule.objects.create(product=shop.product, max_discount_bp=1000)
    url = reverse("admin:promotions_storeproduct_add")
    form = {"store": shop.store.pk, "product": shop.product.pk, "is_listed": "on"}

    refused = admin_client.post(url, {**form, "price": "100.00"})
    accepted = admin_client.post(url, {**form, "price": "549.00"})

    assert refused.status_code == 200
    assert accepted.status_code == 302
    assert StoreProduct.objects.get().price == 54900
