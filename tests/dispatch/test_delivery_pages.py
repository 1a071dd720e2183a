"""Delivery pages: the shopper's delivery checkout and saved addresses, her order's progress, and
the store's delivery pages, with hostile input (bad coordinates, someone else's address or
order, garbled returns): a clear answer, nothing changed, never a 500."""

import pytest
from django.urls import reverse

from dispatch.models import Delivery, DispatchOffer
from dispatch.services import dispatch_offer_accept
from dispatch.services.delivery import delivery_courier_assign, delivery_pack
from members.models import Address
from members.services.addresses import address_save
from o2o.geo import wgs84_to_gcj02
from orders.models import Cart, CartLine, Order
from tests.dispatch.conftest import JING_AN
from tests.orders.placing import pay
from tests.orders.shopper_helpers import log_in

CHECKOUT = "/delivery/checkout/"
S = Order.Status


@pytest.fixture
def shopper(city, client):
    for store in (city.near, city.mid):
        city.stock(store, city.dress_m, 5)
        city.stock(store, city.shirt, 5)
    city.cheap = city.sku("sock-s", price=9900)
    city.stock(city.near, city.cheap, 5)
    city.shopper = city.member()
    cart = Cart.objects.create(member=city.shopper)
    CartLine.objects.create(cart=cart, sku=city.cheap, quantity=1)
    log_in(client, city.shopper)
    return city


def saved_address(member, name="李", phone="13900000001", address="南京西路"):
    return address_save(
        member=member,
        name=name,
        phone=phone,
        address=address,
        latitude=JING_AN[0],
        longitude=JING_AN[1],
    )


def at(point, coords="gcj02"):
    return f"{CHECKOUT}?lat={point[0]:.6f}&lng={point[1]:.6f}&coords={coords}"


def test_the_checkout_shows_who_delivers_when_and_the_fee(shopper, client):
    response = client.get(at(JING_AN))

    text = response.content.decode()
    assert response.status_code == 200
    assert "near 店" in text
    assert "within 1 hour" in text
    assert "¥8.00" in text and "¥107.00" in text  # ¥99 of goods, ¥8 fee


def test_a_browser_gps_fix_is_shifted_from_wgs84_before_routing(shopper, client):
    # The WGS-84 point whose GCJ-02 is (about) Jing'an: the raw WGS-84 numbers sit ~500 m off.
    wgs = (31.230872, 121.443394)
    shifted = wgs84_to_gcj02(*wgs)
    assert abs(shifted[0] - JING_AN[0]) < 0.002 and abs(shifted[1] - JING_AN[1]) < 0.002

    response = client.get(at(wgs, coords="wgs84"))

    assert response.status_code == 200
    assert f'value="{shifted[0]:.6f}"' in response.content.decode()


@pytest.mark.parametrize(
    "query",
    [
        "lat=inf&lng=121.4",
        "lat=nan&lng=121.4",
        "lat=1e400&lng=121.4",
        "lat=91&lng=121.4",
        "lat=31.2&lng=-181",
        "lat=&lng=",
        "lat=31.2",
        "lat=abc&lng=def",
        "saved=999999",
        "saved=abc",
        "saved=-1",
    ],
)
def test_bad_points_get_a_message_not_a_500(shopper, client, query):
    response = client.get(f"{CHECKOUT}?{query}")
    assert response.status_code == 200
    assert 'data-testid="delivery-error"' in response.content.decode()

    response = client.post(
        f"{CHECKOUT}?{query}",
        dict(pair.split("=") for pair in query.split("&") if "=" in pair)
        | {"name": "a", "phone": "13900000001", "address": "x"},
    )
    assert response.status_code == 400
    assert not Order.objects.exists()


def test_placing_a_delivery_order_charges_the_fee_and_keeps_the_point(shopper, client):
    response = client.post(
        CHECKOUT,
        {
            "lat": f"{JING_AN[0]:.6f}",
            "lng": f"{JING_AN[1]:.6f}",
            "coords": "gcj02",
            "name": "李女士",
            "phone": "13900000001",
            "address": "南京西路 1 号 2 室",
        },
    )

    assert response.status_code == 302, response.content.decode()[-3000:]
    order = Order.objects.get()
    assert response["Location"] == reverse("orders:pay", args=[order.number])
    assert (order.fulfillment, order.status) == (Order.Fulfillment.DELIVERY, S.PENDING_PAYMENT)
    assert (order.goods_amount, order.shipping_amount, order.total_amount) == (9900, 800, 10700)
    assert order.address["latitude"] == pytest.approx(JING_AN[0])
    assert order.fulfilling_store == shopper.near
    assert shopper.level(shopper.near, shopper.cheap) == (5, 1)  # held for payment


def test_a_missing_recipient_is_asked_for_and_nothing_is_placed(shopper, client):
    response = client.post(
        CHECKOUT, {"lat": "31.229", "lng": "121.448", "coords": "gcj02", "name": " "}
    )
    assert response.status_code == 400
    assert "Needed for a delivery." in response.content.decode()
    assert not Order.objects.exists()


def typed_delivery(client, **fields):
    return client.post(
        CHECKOUT,
        {"lat": f"{JING_AN[0]:.6f}", "lng": f"{JING_AN[1]:.6f}", "coords": "gcj02"}
        | {"name": "李女士", "phone": "13900000001", "address": "南京西路 1 号"}
        | fields,
    )


@pytest.mark.parametrize(
    "phone", ["1", "139", "1390000000", "139000000011", "12900000001", "1390000000a", "+1 555"]
)
def test_a_recipient_phone_that_is_not_a_mobile_number_is_refused(shopper, client, phone):
    response = typed_delivery(client, phone=phone)

    assert response.status_code == 400
    assert "Enter a mainland China mobile number, such as 13812345678." in (
        response.content.decode()
    )
    assert not Order.objects.exists()


def test_the_recipient_phone_is_kept_as_11_digits_and_the_address_trimmed(shopper, client):
    response = typed_delivery(client, phone=" +86 139-0000-0001 ", address="  南京西路 1 号  ")

    assert response.status_code == 302
    order = Order.objects.get()
    assert (order.address["phone"], order.address["address"]) == ("13900000001", "南京西路 1 号")


def test_a_blank_address_is_asked_for_and_nothing_is_placed(shopper, client):
    response = typed_delivery(client, address="   ")

    assert response.status_code == 400
    assert "Needed for a delivery." in response.content.decode()
    assert not Order.objects.exists()


def test_a_saved_address_without_a_mobile_number_is_refused(shopper, client):
    saved = saved_address(shopper.shopper)
    Address.objects.filter(pk=saved.pk).update(phone="1")  # saved before numbers were checked

    response = client.post(CHECKOUT, {"saved": saved.pk})

    assert response.status_code == 400
    assert "not a mobile number" in response.content.decode()
    assert not Order.objects.exists()


def test_nobody_delivers_far_away_offers_pickup_at_the_nearest_store(shopper, client):
    far = (31.4000, 121.2000)
    response = client.get(at(far))
    text = response.content.decode()
    assert 'data-testid="nobody-delivers"' in text
    assert 'data-testid="pickup-instead"' in text

    response = client.post(
        CHECKOUT,
        {
            "lat": far[0],
            "lng": far[1],
            "coords": "gcj02",
            "name": "a",
            "phone": "13900000001",
            "address": "x",
        },
    )
    assert response.status_code == 400
    assert not Order.objects.exists()


def test_a_saved_address_is_used_and_someone_elses_is_refused(shopper, client):
    mine = saved_address(shopper.shopper)
    other = saved_address(shopper.member(), name="王", phone="13800000002", address="外滩")
    # Her default address is used without asking.
    assert "within 1 hour" in client.get(CHECKOUT).content.decode()

    response = client.post(CHECKOUT, {"saved": other.pk})
    assert response.status_code == 400
    assert not Order.objects.exists()

    response = client.post(CHECKOUT, {"saved": mine.pk})
    assert response.status_code == 302
    assert Order.objects.get().address["address"] == "南京西路"


def test_address_pages_add_edit_default_delete(shopper, client):
    response = client.post(
        "/m/addresses/new/",
        {
            "name": "李",
            "phone": "13900000001",
            "address": "南京西路 1 号",
            "lat": "31.229",
            "lng": "121.448",
        },
    )
    assert response.status_code == 302
    first = Address.objects.get()
    assert first.is_default
    client.post(
        "/m/addresses/new/",
        {
            "name": "李",
            "phone": "13900000001",
            "address": "公司",
            "lat": "31.23",
            "lng": "121.45",
            "is_default": "on",
        },
    )
    second = Address.objects.get(address="公司")
    first.refresh_from_db()
    assert second.is_default and not first.is_default
    assert "公司" in client.get("/m/addresses/").content.decode()

    # No map point: refused with a message, nothing saved.
    response = client.post(
        "/m/addresses/new/", {"name": "李", "phone": "13900000001", "address": "x", "lat": "inf"}
    )
    assert response.status_code == 400
    assert Address.objects.count() == 2

    client.post(f"/m/addresses/{first.pk}/default/")
    first.refresh_from_db()
    assert first.is_default
    client.post(f"/m/addresses/{first.pk}/delete/")
    second.refresh_from_db()
    assert second.is_default and Address.objects.count() == 1


def test_another_members_address_pages_are_404(shopper, client):
    other = address_save(
        member=shopper.member(),
        name="王",
        phone="13700000003",
        address="x",
        latitude=31,
        longitude=121,
    )
    assert client.get(f"/m/addresses/{other.pk}/").status_code == 404
    assert client.post(f"/m/addresses/{other.pk}/delete/").status_code == 404
    assert client.post(f"/m/addresses/{other.pk}/default/").status_code == 404
    assert Address.objects.filter(pk=other.pk).exists()


def paid_delivery(city, client):
    client.post(
        CHECKOUT,
        {
            "lat": JING_AN[0],
            "lng": JING_AN[1],
            "coords": "gcj02",
            "name": "李",
            "phone": "13900000001",
            "address": "x",
        },
    )
    return pay(Order.objects.get())


def test_the_order_page_shows_each_step_and_the_courier(shopper, client):
    order = paid_delivery(shopper, client)
    clerk = shopper.clerk(shopper.near)
    clerk.phone = "13800000009"
    clerk.save(update_fields=["phone"])
    dispatch_offer_accept(offer=DispatchOffer.objects.get(order=order), staff=clerk)
    delivery_pack(order=order, staff=clerk)
    delivery_courier_assign(order=order, staff=clerk, courier=clerk)

    assert "delivery-progress-box" in client.get(f"/orders/{order.number}/").content.decode()
    text = client.get(f"/delivery/orders/{order.number}/progress/").content.decode()
    assert 'data-testid="on-the-way"' in text
    assert clerk.display_name in text and "13800000009" in text
    assert Delivery.objects.get(order=order).code in text

    # Someone else's order, or a number that is no order: 404.
    log_in(client, shopper.member())
    assert client.get(f"/delivery/orders/{order.number}/progress/").status_code == 404
    assert client.get("/delivery/orders/<script>/progress/").status_code == 404


def test_store_pages_hide_other_stores_and_refuse_garbled_returns(shopper, client):
    order = paid_delivery(shopper, client)
    clerk = shopper.clerk(shopper.near)
    dispatch_offer_accept(offer=DispatchOffer.objects.get(order=order), staff=clerk)
    client.force_login(clerk.user)
    detail = f"/staff/deliveries/{order.number}/"

    text = client.get(detail).content.decode()
    assert "uri.amap.com/marker" in text and 'data-testid="customer-phone"' in text
    assert client.post(f"{detail}pack/").status_code == 302
    assert client.post(f"{detail}courier/", {"courier": "abc"}).status_code == 302
    order.refresh_from_db()
    assert order.status == S.PACKED
    client.post(f"{detail}courier/", {"courier": clerk.pk})
    code = Delivery.objects.get(order=order).code
    line = order.lines.get()
    for returned in (
        {"returned_abc": "1"},
        {f"returned_{line.pk}": "-1"},
        {f"returned_{line.pk}": "99"},
    ):
        response = client.post(f"{detail}hand-over/", {"code": code, **returned}, follow=True)
        assert response.status_code == 200
        order.refresh_from_db()
        assert order.status == S.OUT_FOR_DELIVERY
    response = client.post(f"{detail}hand-over/", {"code": "x" * 500}, follow=True)
    assert "Wrong code" in response.content.decode()

    # Another store's clerk: the page does not exist, actions are refused.
    client.force_login(shopper.clerk(shopper.mid).user)
    assert client.get(detail).status_code == 404
    assert client.post(f"{detail}hand-over/", {"code": code}).status_code == 403
    order.refresh_from_db()
    assert order.status == S.OUT_FOR_DELIVERY


def test_the_home_store_sees_its_customer_fulfilled_for_it_by_another_store(shopper, client):
    shopper.shopper.home_store = shopper.home  # her store, which lacks the socks
    shopper.shopper.save(update_fields=["home_store"])
    order = paid_delivery(shopper, client)
    dispatch_offer_accept(
        offer=DispatchOffer.objects.get(order=order), staff=shopper.clerk(shopper.near)
    )
    order.refresh_from_db()
    assert (order.credited_store, order.fulfilling_store) == (shopper.home, shopper.near)

    client.force_login(shopper.clerk(shopper.home).user)
    for url in ("/staff/orders/", "/staff/deliveries/"):
        text = client.get(url).content.decode()
        assert "fulfilled for you by near 店" in text, url
        assert order.number in text
    # The shopper's order page names both stores.
    log_in(client, shopper.shopper)
    text = client.get(f"/orders/{order.number}/").content.decode()
    assert "Delivered by" in text and "Your store: home 店" in text
