"""The store's order back office: queue, actions, pickup verification; and that another store's
staff can act on none of it (bookings and refunds have their own files)."""

import re

import pytest
from django.core.cache import cache
from django.urls import reverse

from inventory.models import StockLevel
from inventory.services import stock_adjust
from orders.models import Order
from orders.services.checkout import Line
from orders.services.fulfilment import PICKUP_ATTEMPTS, order_mark_ready, pickup_token
from stores.models import Staff
from tests.orders.placing import booking, pay, place

pytestmark = pytest.mark.django_db
F = Order.Fulfillment


@pytest.fixture(autouse=True)
def _fresh_attempt_counters():
    cache.clear()  # nothing cached by one test (sandbox payments) leaks into the next
    yield
    cache.clear()


@pytest.fixture
def other_manager(shop, django_user_model):
    return Staff.objects.create(
        user=django_user_model.objects.create_user("sh02-m", password="pw"),
        store=shop.other_store,
        role=Staff.Role.MANAGER,
        staff_code="SH02-M",
        display_name="店长 SH02",
    )


def level(shop, sku):
    return StockLevel.objects.get(store=shop.store, sku=sku)


def login(client, staff):
    client.force_login(staff.user)
    return client


def url(name, *args):
    return reverse(f"orders_backoffice:{name}", args=args)


# ---- the queue -------------------------------------------------------------------------------


def test_queue_lists_only_this_stores_waiting_orders(shop, client):
    in_store = pay(place(shop))
    pickup = pay(place(shop, F.PICKUP, [Line(shop.sku_l, 1)]))
    unpaid = place(shop)
    login(client, shop.clerk)

    response = client.get(url("queue"))

    body = response.content.decode()
    assert response.status_code == 200
    assert in_store.number in body and pickup.number in body
    assert unpaid.number not in body
    assert response.context["queue"].waiting_count == 2
    assert 'hx-trigger="every 5s"' in body


def test_queue_is_empty_for_another_store(shop, client):
    pay(place(shop))
    login(client, shop.other_clerk)
    response = client.get(url("queue"))
    assert response.context["queue"].waiting_count == 0


def test_polled_partial_has_the_count(shop, client):
    pay(place(shop))
    login(client, shop.clerk)
    response = client.get(url("queue"), HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert 'data-waiting="1"' in body and "<html" not in body


def test_queue_query_count_does_not_grow_with_orders(shop, client, django_assert_max_num_queries):
    for _ in range(3):
        pay(place(shop))
    pay(place(shop, F.PICKUP, [Line(shop.sku_l, 1)]))
    login(client, shop.clerk)
    with django_assert_max_num_queries(7):
        response = client.get(url("queue"), HTTP_HX_REQUEST="true")
    assert response.context["queue"].waiting_count == 4


def test_badge_counts_waiting_orders(shop, client):
    pay(place(shop))
    login(client, shop.clerk)
    assert 'data-waiting="1"' in client.get(url("badge")).content.decode()


def test_home_page_links_to_the_order_pages(shop, client):
    login(client, shop.clerk)
    body = client.get(reverse("backoffice:home")).content.decode()
    assert url("queue") in body and url("verify") in body and url("assist") in body


# ---- actions by the right clerk ---------------------------------------------------------------


def test_clerk_hands_over_a_paid_in_store_order(shop, client):
    order = pay(place(shop))
    login(client, shop.clerk)

    response = client.post(url("hand_over", order.number), follow=True)

    order.refresh_from_db()
    assert order.status == Order.Status.COMPLETED
    assert "handed over" in response.content.decode()


def test_handing_over_twice_is_a_message_not_an_error(shop, client):
    order = pay(place(shop))
    login(client, shop.clerk)
    client.post(url("hand_over", order.number))
    response = client.post(url("hand_over", order.number), follow=True)
    assert response.status_code == 200
    assert "cannot be done now" in response.content.decode()


def test_unpaid_order_cannot_be_handed_over(shop, client):
    order = place(shop)
    login(client, shop.clerk)
    response = client.post(url("hand_over", order.number), follow=True)
    order.refresh_from_db()
    assert response.status_code == 200 and order.status == Order.Status.PENDING_PAYMENT


def test_clerk_marks_a_pickup_ready(shop, client):
    order = pay(place(shop, F.PICKUP))
    login(client, shop.clerk)
    client.post(url("mark_ready", order.number))
    order.refresh_from_db()
    assert order.status == Order.Status.READY


def test_clerk_ships_a_parcel(shop, client):
    order = pay(place(shop, F.SHIP, address={"address": "北京路 1 号", "name": "王"}))
    login(client, shop.clerk)
    client.post(url("ship", order.number), {"tracking": "SF123"})
    order.refresh_from_db()
    assert order.status == Order.Status.SHIPPED
    assert order.events.filter(note="tracking SF123").exists()


def test_action_is_post_only(shop, client):
    order = pay(place(shop))
    login(client, shop.clerk)
    assert client.get(url("hand_over", order.number)).status_code == 405


def test_unknown_order_is_404(shop, client):
    login(client, shop.clerk)
    assert client.get(url("detail", "000000000000")).status_code == 404
    assert client.post(url("hand_over", "000000000000")).status_code == 404


def test_detail_shows_lines_and_timeline(shop, client):
    order = pay(place(shop))
    login(client, shop.clerk)
    response = client.get(url("detail", order.number))
    body = response.content.decode()
    assert response.status_code == 200
    assert "真丝连衣裙" in body and "Awaiting payment → Paid" in body
    assert "refund_form" not in response.context  # clerks do not refund


def test_anonymous_is_sent_to_login(shop, client):
    response = client.get(url("queue"))
    assert response.status_code == 302 and "/staff/login/" in response["Location"]


# ---- another store's staff: 403 on every action, 404 on the detail page -----------------------


def _pickup_ready(shop):
    order = pay(place(shop, F.PICKUP))
    return order_mark_ready(order=order, staff=shop.clerk)


ACTIONS = {
    "detail": (lambda shop: pay(place(shop)), "get", "detail", {}, 404),
    "hand_over": (lambda shop: pay(place(shop)), "post", "hand_over", {}, 403),
    "mark_ready": (lambda shop: pay(place(shop, F.PICKUP)), "post", "mark_ready", {}, 403),
    "ship": (
        lambda shop: pay(place(shop, F.SHIP, address={"address": "北京路 1 号"})),
        "post",
        "ship",
        {},
        403,
    ),
    "visit": (lambda shop: booking(shop), "post", "visit", {}, 403),
    "no_show": (lambda shop: booking(shop), "post", "no_show", {}, 403),
    "refund": (
        lambda shop: pay(place(shop)),
        "post",
        "refund",
        {"full": "on", "reason": "wrong size"},
        403,
    ),
}


@pytest.mark.parametrize("action", sorted(ACTIONS))
@pytest.mark.parametrize("who", ["other_clerk", "other_manager"])
def test_another_stores_staff_cannot_act(shop, client, other_manager, action, who):
    make, method, name, data, expected = ACTIONS[action]
    order = make(shop)
    status_before = Order.objects.get(pk=order.pk).status
    staff = other_manager if who == "other_manager" else shop.other_clerk
    login(client, staff)
    if name == "visit":
        data = {f"line-{line.pk}": line.quantity for line in order.lines.all()}

    response = getattr(client, method)(url(name, order.number), data)

    assert response.status_code == expected
    assert Order.objects.get(pk=order.pk).status == status_before
    assert Order.objects.count() == 1  # no sale created from someone else's booking


@pytest.mark.parametrize("how", ["token", "code"])
def test_another_stores_clerk_cannot_verify_a_pickup(shop, client, how):
    order = _pickup_ready(shop)
    login(client, shop.other_clerk)
    value = pickup_token(order) if how == "token" else order.pickup_code

    response = client.post(url("verify"), {"code": value})

    order.refresh_from_db()
    assert order.status == Order.Status.READY
    if how == "token":
        assert response.status_code == 403
        assert f"This order belongs to {shop.store.name}" in response.content.decode()
    else:  # codes are looked up in the clerk's own store only: nothing to find there
        assert response.status_code == 400


# ---- pickup verification ------------------------------------------------------------------------


def test_verify_by_scanned_token(shop, client):
    order = _pickup_ready(shop)
    login(client, shop.clerk)
    response = client.post(url("verify"), {"code": pickup_token(order)})
    order.refresh_from_db()
    assert response.status_code == 200 and order.status == Order.Status.COMPLETED
    body = response.content.decode()
    assert "Verified" in body and "真丝连衣裙" in body


def test_verify_by_typed_code_then_again(shop, client):
    order = _pickup_ready(shop)
    login(client, shop.clerk)
    first = client.post(url("verify"), {"code": order.pickup_code})
    again = client.post(url("verify"), {"code": order.pickup_code})
    order.refresh_from_db()
    assert first.status_code == 200 and order.status == Order.Status.COMPLETED
    assert again.status_code == 409 and "Already collected" in again.content.decode()


def test_verify_wrong_code(shop, client):
    order = _pickup_ready(shop)
    login(client, shop.clerk)
    wrong = "000000" if order.pickup_code != "000000" else "111111"
    response = client.post(url("verify"), {"code": wrong})
    assert response.status_code == 400 and "Wrong code" in response.content.decode()
    bad_token = client.post(url("verify"), {"code": "not-a-signed-token"})
    assert bad_token.status_code == 400


def test_verify_not_ready_yet(shop, client):
    order = pay(place(shop, F.PICKUP))
    login(client, shop.clerk)
    response = client.post(url("verify"), {"code": order.pickup_code})
    order.refresh_from_db()
    assert response.status_code == 409 and order.status == Order.Status.PAID


def test_eleventh_attempt_is_refused_with_429(shop, client):
    order = _pickup_ready(shop)
    login(client, shop.clerk)
    wrong = "000000" if order.pickup_code != "000000" else "111111"
    answers = [
        client.post(url("verify"), {"code": wrong}).status_code for _ in range(PICKUP_ATTEMPTS)
    ]
    eleventh = client.post(url("verify"), {"code": order.pickup_code})
    order.refresh_from_db()
    assert answers == [400] * PICKUP_ATTEMPTS
    assert eleventh.status_code == 429 and "Too many attempts" in eleventh.content.decode()
    assert order.status == Order.Status.READY


def test_a_busy_clerk_verifying_many_pickups_is_not_locked_out(shop, client):
    stock_adjust(store=shop.store, sku=shop.sku_m, delta=PICKUP_ATTEMPTS, reason="receipt")
    orders = [_pickup_ready(shop) for _ in range(PICKUP_ATTEMPTS + 1)]
    login(client, shop.clerk)
    answers = [client.post(url("verify"), {"code": o.pickup_code}).status_code for o in orders]
    assert answers == [200] * (PICKUP_ATTEMPTS + 1)


def test_only_parcels_are_shipped(shop, client):
    order = pay(place(shop, F.PICKUP))
    login(client, shop.clerk)
    response = client.post(url("ship", order.number), follow=True)
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert "only parcels" in response.content.decode()


def items_footer(client, order) -> str:
    page = client.get(url("detail", order.number)).content.decode()
    return re.search(r'<tr><th colspan="2">(.*?)</th>', page).group(1)


def test_an_unpaid_orders_items_footer_says_to_pay_not_paid(shop, client):
    login(client, shop.clerk)

    assert items_footer(client, place(shop)) == "To pay"
    assert items_footer(client, pay(place(shop))) == "Paid"
