"""HQ's admin of flash sales, events and storefronts: pages load, shares become buckets, live
counters, store prices refused outside HQ's rule."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from promotions.models import FlashQuotaBucket, FlashSale, RepriceRule, StoreEvent, StoreProduct
from promotions.services.flash import flash_quota_claim
from tests.promotions.event_fixtures import store_event_make
from tests.promotions.flash_fixtures import flash_sale_make

pytestmark = pytest.mark.django_db
DAY = timedelta(days=1)


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


def _event_form(store, starts_at, **extra):
    local = timezone.localtime(starts_at)
    ends = local + timedelta(hours=1)
    return {
        "store": store.pk,
        "title": "丝巾系法小课堂",
        "description": "",
        "starts_at_0": local.strftime("%Y-%m-%d"),
        "starts_at_1": local.strftime("%H:%M:%S"),
        "ends_at_0": ends.strftime("%Y-%m-%d"),
        "ends_at_1": ends.strftime("%H:%M:%S"),
        "capacity": "20",
        "cancel_cutoff_hours": "2",
        "is_published": "on",
        "bookings-TOTAL_FORMS": "0",
        "bookings-INITIAL_FORMS": "0",
        "bookings-MIN_NUM_FORMS": "0",
        "bookings-MAX_NUM_FORMS": "1000",
        **extra,
    }


@pytest.mark.parametrize(
    "starts_in, said",
    [
        (-timedelta(hours=2), "An event cannot start in the past"),
        (timedelta(days=370), "An event starts at most 12 months ahead"),
    ],
)
def test_hq_cannot_add_an_event_starting_in_the_past_or_beyond_a_year(
    admin_client, shop, starts_in, said
):
    url = reverse("admin:promotions_storeevent_add")
    starts = (timezone.now() + starts_in).replace(microsecond=0)

    refused = admin_client.post(url, _event_form(shop.store, starts))
    accepted = admin_client.post(url, _event_form(shop.store, timezone.now() + DAY))

    assert refused.status_code == 200 and said in refused.content.decode()
    assert accepted.status_code == 302
    assert StoreEvent.objects.count() == 1


def test_hq_edits_a_past_event_without_touching_its_start_but_cannot_move_it_to_the_past(
    admin_client, shop
):
    started = (timezone.now() - timedelta(hours=3)).replace(second=0, microsecond=0)
    event = store_event_make(shop.store, starts_at=started, ends_at=started + timedelta(hours=1))
    url = reverse("admin:promotions_storeevent_change", args=[event.pk])

    kept = admin_client.post(url, _event_form(shop.store, started, title="丝巾课（已结束）"))
    moved = admin_client.post(
        url, _event_form(shop.store, started - timedelta(days=1), title="挪到昨天")
    )

    assert kept.status_code == 302
    assert moved.status_code == 200
    assert "An event cannot start in the past" in moved.content.decode()
    event.refresh_from_db()
    assert (event.title, event.starts_at) == ("丝巾课（已结束）", started)
