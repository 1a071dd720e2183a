"""Flash sales: layered quotas under a crowd, the price from the claim, quota back on lapse."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from inventory.exceptions import InsufficientStock
from inventory.services import stock_adjust
from orders.models import Order
from orders.services.expiry import order_cancel, orders_expire
from promotions.exceptions import FlashLimitReached, FlashSaleClosed, FlashSoldOut, PromotionError
from promotions.models import FlashClaim, FlashQuotaBucket
from promotions.services.flash import (
    flash_buy,
    flash_claims_release_stale,
    flash_quota_claim,
    flash_quotas_set,
    flash_remaining_by_store,
)
from tests.orders.placing import hold_is_last, pay
from tests.orders.shopper_helpers import log_in
from tests.promotions.flash_fixtures import flash_sale_make, run_together, shoppers_make

F = Order.Fulfillment


# The test database server allows 100 connections, shared with other suites: 40 threads make
# the 500 claims between them (each thread a shopper's request after another's).
THREADS = 40
CLAIMS = 500


@pytest.mark.django_db(transaction=True)
def test_a_crowd_of_claims_sells_exactly_the_quota_no_store_or_member_beyond_hers(flash_shop):
    """Given 50 units split 10 per store over 5 stores, limit 2 per member, when 500 claims of
    200 members (2 or 3 tries each, at varying stores) run in 40 threads released together,
    then exactly 50 are claimed, no store beyond 10 and no member beyond 2."""
    sale = flash_sale_make(flash_shop, stores=flash_shop.stores, per_store=10, limit=2)
    members = shoppers_make(200)
    stores = flash_shop.stores

    def claims(thread):
        outcomes = []
        for attempt in range(thread, CLAIMS, THREADS):
            try:
                outcomes.append(
                    flash_quota_claim(
                        sale=sale,
                        store=stores[(attempt * 7 + attempt // 200) % len(stores)],
                        member=members[attempt % len(members)],
                    )
                )
            except (FlashSoldOut, FlashLimitReached) as refused:
                outcomes.append(refused)
        return outcomes

    results = run_together(THREADS, claims)

    assert not [result for result in results if isinstance(result, Exception)]
    outcomes = [outcome for result in results for outcome in result]
    assert len(outcomes) == CLAIMS
    assert sum(isinstance(outcome, FlashClaim) for outcome in outcomes) == 50
    claims_made = FlashClaim.objects.filter(sale=sale)
    assert claims_made.count() == 50
    per_store = Counter(claims_made.values_list("store_id", flat=True))
    assert per_store == {store.pk: 10 for store in stores}
    per_member = Counter(claims_made.values_list("member_id", flat=True))
    assert max(per_member.values()) <= 2
    assert FlashQuotaBucket.objects.filter(sale=sale).aggregate(s=Sum("remaining"))["s"] == 0


@pytest.mark.django_db(transaction=True)
def test_one_member_racing_herself_gets_no_more_than_her_limit(flash_shop):
    sale = flash_sale_make(flash_shop, stores=flash_shop.stores, limit=1)
    member = shoppers_make(1)[0]

    results = run_together(
        20,
        lambda index: flash_quota_claim(
            sale=sale, store=flash_shop.stores[index % 5], member=member
        ),
    )

    assert sum(isinstance(result, FlashClaim) for result in results) == 1
    assert all(isinstance(r, FlashClaim | FlashLimitReached) for r in results)


@pytest.mark.django_db
def test_the_order_costs_the_flash_price_and_shipping_applies_to_a_parcel(flash_shop):
    sale = flash_sale_make(flash_shop, stores=flash_shop.stores)
    pickup = flash_buy(
        sale=sale, store=flash_shop.store, member=flash_shop.member, fulfillment=F.PICKUP
    )
    other = shoppers_make(1)[0]
    parcel = flash_buy(
        sale=sale,
        store=flash_shop.store,
        member=other,
        fulfillment=F.SHIP,
        address={"address": "上海市 淮海中路 2 号"},
    )

    assert (pickup.goods_amount, pickup.shipping_amount, pickup.total_amount) == (100, 0, 100)
    assert (parcel.goods_amount, parcel.shipping_amount, parcel.total_amount) == (100, 1500, 1600)
    assert pickup.lines.get().unit_price == 100
    assert flash_remaining_by_store(sale=sale)[flash_shop.store.pk] == 8


@pytest.mark.django_db
def test_an_unpaid_order_gives_its_quota_back_when_it_expires_or_is_cancelled(flash_shop):
    sale = flash_sale_make(flash_shop, stores=[flash_shop.store], per_store=1)
    order = flash_buy(
        sale=sale, store=flash_shop.store, member=flash_shop.member, fulfillment=F.PICKUP
    )
    other = shoppers_make(1)[0]
    with pytest.raises(FlashSoldOut):
        flash_quota_claim(sale=sale, store=flash_shop.store, member=other)

    orders_expire(now=timezone.now() + timedelta(hours=1))

    assert FlashClaim.objects.get(order=order).state == FlashClaim.State.RELEASED
    second = flash_buy(sale=sale, store=flash_shop.store, member=other, fulfillment=F.PICKUP)
    order_cancel(order=second)
    assert flash_remaining_by_store(sale=sale)[flash_shop.store.pk] == 1
    # Released, she may claim again: the released claim no longer counts against her limit.
    again = flash_buy(
        sale=sale, store=flash_shop.store, member=flash_shop.member, fulfillment=F.PICKUP
    )
    pay(again)
    assert FlashClaim.objects.get(order=again).state == FlashClaim.State.PAID
    assert flash_remaining_by_store(sale=sale)[flash_shop.store.pk] == 0


@pytest.mark.django_db
def test_a_claim_that_never_got_its_order_is_released_by_the_sweep(flash_shop):
    sale = flash_sale_make(flash_shop, stores=[flash_shop.store], per_store=1)
    flash_quota_claim(sale=sale, store=flash_shop.store, member=flash_shop.member)

    assert flash_claims_release_stale() == 0  # still within its grace
    assert flash_claims_release_stale(now=timezone.now() + timedelta(minutes=5)) == 1
    assert flash_claims_release_stale(now=timezone.now() + timedelta(minutes=5)) == 0
    assert flash_remaining_by_store(sale=sale)[flash_shop.store.pk] == 1


@pytest.mark.django_db
def test_no_stock_at_the_store_releases_the_claim_and_orders_nothing(flash_shop):
    sale = flash_sale_make(flash_shop, stores=[flash_shop.store], per_store=1)
    stock_adjust(store=flash_shop.store, sku=flash_shop.sku_m, delta=-103, reason="adjustment")
    with pytest.raises(InsufficientStock):
        flash_buy(sale=sale, store=flash_shop.store, member=flash_shop.member, fulfillment=F.PICKUP)

    assert Order.objects.count() == 0
    assert FlashClaim.objects.get().state == FlashClaim.State.RELEASED
    assert flash_remaining_by_store(sale=sale)[flash_shop.store.pk] == 1


@pytest.mark.django_db
def test_outside_the_window_and_bad_input_are_refused_and_change_nothing(flash_shop):
    past = flash_sale_make(
        flash_shop,
        stores=[flash_shop.store],
        starts_at=timezone.now() - timedelta(hours=2),
        ends_at=timezone.now() - timedelta(hours=1),
    )
    with pytest.raises(FlashSaleClosed):
        flash_quota_claim(sale=past, store=flash_shop.store, member=flash_shop.member)
    sale = flash_sale_make(flash_shop, stores=[flash_shop.store])
    for quantity in (0, -1, 2.5, True, "1"):
        with pytest.raises(PromotionError):
            flash_quota_claim(
                sale=sale, store=flash_shop.store, member=flash_shop.member, quantity=quantity
            )
    with pytest.raises(FlashSoldOut):  # a store without a share has nothing to claim
        flash_quota_claim(sale=sale, store=flash_shop.other_store, member=flash_shop.member)
    with pytest.raises(PromotionError):
        flash_quotas_set(sale=sale, quotas={flash_shop.store: 10_000})
    assert FlashClaim.objects.count() == 0


@pytest.mark.django_db
def test_the_sale_page_shows_each_stores_units_left_and_grab_places_the_order(client, flash_shop):
    sale = flash_sale_make(flash_shop, stores=flash_shop.stores[:2], per_store=10)
    log_in(client, flash_shop.member)

    page = client.get(f"/flash/{sale.pk}/").content.decode()
    response = client.post(
        f"/flash/{sale.pk}/grab/", {"store": flash_shop.store.pk, "fulfillment": "pickup"}
    )

    assert "10 of 10 left" in page and "data-countdown-to" in page
    order = Order.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/{order.number}/pay/")
    assert (order.total_amount, order.fulfilling_store) == (100, flash_shop.store)
    assert "9 of 10 left" in client.get(f"/flash/{sale.pk}/").content.decode()


@pytest.mark.django_db
def test_hostile_grabs_answer_a_message_or_4xx_and_change_nothing(client, flash_shop):
    sale = flash_sale_make(flash_shop, stores=[flash_shop.store], per_store=10)
    url = f"/flash/{sale.pk}/grab/"
    assert client.post(url, {"store": flash_shop.store.pk}).status_code == 302  # to log in
    log_in(client, flash_shop.member)
    for form in [
        {},
        {"store": "abc"},
        {"store": "9" * 40},
        {"store": flash_shop.other_store.pk},  # no share there
        {"store": flash_shop.store.pk, "fulfillment": "delivery"},
        {"store": flash_shop.store.pk, "fulfillment": "ship"},  # no address
        {"store": flash_shop.store.pk, "fulfillment": "ship", "address": "x" * 201},
        {"store": flash_shop.store.pk, "fulfillment": "ship", "address": "a\x00b"},
    ]:
        assert client.post(url, form).status_code in (200, 400), form  # the page, or a NUL
    assert client.get(url).status_code == 405
    assert client.get("/flash/99999999/").status_code == 404
    assert client.post("/flash/99999999/grab/", {"store": 1}).status_code == 404
    assert Order.objects.count() == 0 and FlashClaim.objects.count() == 0


PARCEL = {
    "fulfillment": "ship",
    "name": "林小姐",
    "phone": "13812345678",
    "address": "南京西路 1 号",
}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "bad, said",
    [
        ({"phone": "12345678901"}, "Enter a mainland China mobile number"),
        ({"phone": "1381234567"}, "Enter a mainland China mobile number"),
        ({"phone": ""}, "Needed for a parcel."),
        ({"name": "  "}, "Needed for a parcel."),
        ({"address": "x" * 201}, "up to 200 characters"),
        ({"fulfillment": "delivery"}, "Choose pickup or delivery by parcel."),
    ],
)
def test_a_refused_grab_shows_the_page_again_with_her_input_and_why(client, flash_shop, bad, said):
    sale = flash_sale_make(flash_shop, stores=flash_shop.stores[:2], per_store=10)
    log_in(client, flash_shop.member)
    form = {"store": flash_shop.other_store.pk, **PARCEL, **bad}

    response = client.post(f"/flash/{sale.pk}/grab/", form)

    page = response.content.decode()
    assert response.status_code == 200 and said in page
    assert f'value="{flash_shop.other_store.pk}" checked' in page  # her store, not the default
    assert 'value="南京西路 1 号"' in page or "address" in bad
    assert Order.objects.count() == 0 and FlashClaim.objects.count() == 0


@pytest.mark.django_db
def test_a_grab_the_sale_refuses_shows_the_page_again_with_the_reason(client, flash_shop):
    sale = flash_sale_make(flash_shop, stores=flash_shop.stores[:2], per_store=1, limit=1)
    flash_buy(sale=sale, store=flash_shop.store, member=shoppers_make(1)[0], fulfillment=F.PICKUP)
    log_in(client, flash_shop.member)

    response = client.post(f"/flash/{sale.pk}/grab/", {"store": flash_shop.store.pk, **PARCEL})

    page = response.content.decode()
    assert response.status_code == 200
    assert "This store&#x27;s share is gone. Another store may still have some." in page
    assert 'value="13812345678"' in page
    assert Order.objects.filter(member=flash_shop.member).count() == 0


@pytest.mark.django_db
def test_a_grab_by_parcel_keeps_the_recipient_and_her_number_on_the_order(client, flash_shop):
    sale = flash_sale_make(flash_shop, stores=[flash_shop.store], per_store=10)
    log_in(client, flash_shop.member)

    response = client.post(
        f"/flash/{sale.pk}/grab/",
        {"store": flash_shop.store.pk, **PARCEL, "phone": "+86 138-1234-5678"},
    )

    order = Order.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/{order.number}/pay/")
    assert order.fulfillment == F.SHIP
    assert order.address == {"name": "林小姐", "phone": "13812345678", "address": "南京西路 1 号"}


@pytest.mark.django_db
def test_a_late_payment_takes_the_units_again_while_the_store_has_some(flash_shop):
    sale = flash_sale_make(flash_shop, stores=[flash_shop.store], per_store=2)
    late = flash_buy(
        sale=sale, store=flash_shop.store, member=flash_shop.member, fulfillment=F.PICKUP
    )
    orders_expire(now=timezone.now() + timedelta(hours=1))
    assert flash_remaining_by_store(sale=sale)[flash_shop.store.pk] == 2

    pay(late)

    assert FlashClaim.objects.get(order=late).state == FlashClaim.State.PAID
    assert flash_remaining_by_store(sale=sale)[flash_shop.store.pk] == 1


@pytest.mark.django_db
def test_the_home_page_loads_the_flash_sales_on_now(client, flash_shop):
    assert "flash-strip" not in client.get("/flash/live/").content.decode()
    sale = flash_sale_make(flash_shop, stores=[flash_shop.store])

    assert "/flash/live/" in client.get("/").content.decode()
    strip = client.get("/flash/live/").content.decode()
    assert "flash-strip" in strip and f"/flash/{sale.pk}/" in strip


@pytest.mark.django_db
def test_the_claim_is_linked_before_the_stock_is_held(flash_shop):
    """The hold comes last (tests/orders/test_hold_last.py): the hot SKU's row lock is held
    until the order commits, so the claim is linked to the order before it."""
    sale = flash_sale_make(flash_shop, stores=flash_shop.stores)
    with CaptureQueriesContext(connection) as queries:
        order = flash_buy(
            sale=sale, store=flash_shop.store, member=flash_shop.member, fulfillment=F.PICKUP
        )
    assert hold_is_last(queries)
    assert FlashClaim.objects.get(order=order).state == FlashClaim.State.HELD


@pytest.mark.django_db
def test_a_sale_without_a_shipping_fee_offers_pickup_only(client, flash_shop):
    sale = flash_sale_make(flash_shop, stores=[flash_shop.store], per_store=10)
    sale.shipping_fee = 0
    sale.save(update_fields=["shipping_fee"])
    log_in(client, flash_shop.member)

    page = client.get(f"/flash/{sale.pk}/").content.decode()
    response = client.post(
        f"/flash/{sale.pk}/grab/",
        {
            "store": flash_shop.store.pk,
            "fulfillment": "ship",
            "name": "李女士",
            "phone": "13900000001",
            "address": "南京西路 1 号",
        },
    )

    assert 'value="ship"' not in page and 'name="address"' not in page
    assert 'value="pickup"' in page
    # Refused on the page again, her input kept, nothing claimed or ordered.
    assert response.status_code == 200
    assert Order.objects.count() == 0 and FlashClaim.objects.count() == 0
    assert "This flash sale is collected in store only." in response.content.decode()


@pytest.mark.django_db
def test_a_sale_with_a_shipping_fee_offers_the_parcel(client, flash_shop):
    sale = flash_sale_make(flash_shop, stores=[flash_shop.store], per_store=10)

    page = client.get(f"/flash/{sale.pk}/").content.decode()

    assert 'value="ship"' in page and "Ship to me (+¥15.00)" in page


@pytest.mark.django_db
def test_the_service_refuses_a_parcel_of_a_pickup_only_sale_before_claiming(flash_shop):
    sale = flash_sale_make(flash_shop, stores=[flash_shop.store], per_store=10)
    sale.shipping_fee = 0
    sale.save(update_fields=["shipping_fee"])

    for fulfillment in (F.SHIP, F.DELIVERY):
        with pytest.raises(PromotionError):
            flash_buy(
                sale=sale,
                store=flash_shop.store,
                member=flash_shop.member,
                fulfillment=fulfillment,
                address={"address": "上海市 淮海中路 2 号"},
            )

    assert not FlashClaim.objects.exists() and not Order.objects.exists()
