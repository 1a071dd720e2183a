"""Try-in-store bookings (网订店试) in the back office: appointments, the visit, no-shows."""

from datetime import timedelta

import pytest
from django.utils import timezone

from orders.models import Order
from orders.services.checkout import Line
from tests.backoffice.test_orders import level, login, url
from tests.orders.placing import booking

pytestmark = pytest.mark.django_db


def test_appointments_list_tomorrows_bookings_with_a_pick_list(shop, client, generous_policy):
    booked = booking(shop)
    later = booking(shop, [Line(shop.sku_m, 1)], days=3)
    login(client, shop.clerk)
    response = client.get(url("appointments"))
    body = response.content.decode()
    assert booked.number in body and later.number not in body
    pick = {item["line"].sku_id: item["quantity"] for item in response.context["pick_list"]}
    assert pick == {shop.sku_m.pk: 1, shop.sku_l.pk: 2}


def test_visit_keeps_some_lines_new_order_reserves_them(shop, client):
    booked = booking(shop)
    m_line = booked.lines.get(sku=shop.sku_m)
    l_line = booked.lines.get(sku=shop.sku_l)
    assert (level(shop, shop.sku_m).reserved, level(shop, shop.sku_l).reserved) == (1, 2)
    login(client, shop.clerk)

    response = client.post(
        url("visit", booked.number), {f"line-{m_line.pk}": 0, f"line-{l_line.pk}": 1}
    )

    sale = Order.objects.exclude(pk=booked.pk).get()
    booked.refresh_from_db()
    assert response.status_code == 302 and response["Location"] == url("detail", sale.number)
    assert booked.status == Order.Status.COMPLETED
    assert sale.status == Order.Status.PENDING_PAYMENT and sale.channel == Order.Channel.IN_STORE
    assert [(line.sku_id, line.quantity) for line in sale.lines.all()] == [(shop.sku_l.pk, 1)]
    assert (level(shop, shop.sku_m).reserved, level(shop, shop.sku_l).reserved) == (0, 1)
    assert (level(shop, shop.sku_m).on_hand, level(shop, shop.sku_l).on_hand) == (3, 3)

    page = client.get(url("detail", sale.number)).content.decode()
    assert f"/orders/{sale.number}/pay/" in page and "<svg" in page


def test_the_visit_form_starts_at_the_booked_quantities(shop, client):
    """The big button sells what she booked; it never closes the booking with nothing sold."""
    booked = booking(shop)
    login(client, shop.clerk)

    [row] = client.get(url("appointments")).context["rows"]
    shown = {line.sku_id: field.value() for line, field in row["form"].rows()}
    assert shown == {shop.sku_m.pk: 1, shop.sku_l.pk: 2}
    untouched = {field.html_name: field.value() for _line, field in row["form"].rows()}
    client.post(url("visit", booked.number), untouched)

    sale = Order.objects.exclude(pk=booked.pk).get()
    assert sorted((line.sku_id, line.quantity) for line in sale.lines.all()) == [
        (shop.sku_m.pk, 1),
        (shop.sku_l.pk, 2),
    ]


def test_keeping_nothing_asks_to_confirm_before_closing_the_booking(shop, client):
    booked = booking(shop)
    login(client, shop.clerk)
    data = {f"line-{line.pk}": 0 for line in booked.lines.all()}

    response = client.post(url("visit", booked.number), data)

    booked.refresh_from_db()
    assert response.status_code == 200
    assert 'data-testid="confirm-nothing"' in response.content.decode()
    assert booked.status == Order.Status.BOOKED
    assert (level(shop, shop.sku_m).reserved, level(shop, shop.sku_l).reserved) == (1, 2)


def test_visit_keeping_nothing_cancels_and_releases(shop, client):
    booked = booking(shop)
    login(client, shop.clerk)
    data = {f"line-{line.pk}": 0 for line in booked.lines.all()}
    data["confirm_nothing"] = "on"
    response = client.post(url("visit", booked.number), data, follow=True)
    booked.refresh_from_db()
    assert booked.status == Order.Status.CANCELLED
    assert Order.objects.count() == 1
    assert (level(shop, shop.sku_m).reserved, level(shop, shop.sku_l).reserved) == (0, 0)
    assert "kept nothing" in response.content.decode()


def test_visit_refuses_more_than_booked(shop, client):
    booked = booking(shop)
    login(client, shop.clerk)
    data = {f"line-{line.pk}": line.quantity + 1 for line in booked.lines.all()}
    client.post(url("visit", booked.number), data)
    booked.refresh_from_db()
    assert booked.status == Order.Status.BOOKED and Order.objects.count() == 1


def test_manager_marks_a_passed_booking_no_show_and_stock_is_released(shop, client):
    booked = booking(shop)
    Order.objects.filter(pk=booked.pk).update(appointment_at=timezone.now() - timedelta(minutes=30))
    login(client, shop.manager)

    client.post(url("no_show", booked.number))

    booked.refresh_from_db()
    assert booked.status == Order.Status.NO_SHOW
    assert (level(shop, shop.sku_m).reserved, level(shop, shop.sku_l).reserved) == (0, 0)
    listed = client.get(url("appointments")).context["rows"]
    assert booked.pk not in [row["order"].pk for row in listed]


def test_no_show_refused_before_the_appointment(shop, client):
    booked = booking(shop)
    login(client, shop.manager)
    response = client.post(url("no_show", booked.number), follow=True)
    booked.refresh_from_db()
    assert booked.status == Order.Status.BOOKED
    assert "has not passed yet" in response.content.decode()


def test_clerk_cannot_mark_no_show(shop, client):
    booked = booking(shop)
    Order.objects.filter(pk=booked.pk).update(appointment_at=timezone.now() - timedelta(minutes=30))
    login(client, shop.clerk)
    assert client.post(url("no_show", booked.number)).status_code == 403
    booked.refresh_from_db()
    assert booked.status == Order.Status.BOOKED


def test_appointments_page_queries_are_pinned(
    shop, client, generous_policy, django_assert_max_num_queries
):
    for _ in range(3):
        booking(shop, [Line(shop.sku_m, 1)])
    login(client, shop.clerk)
    with django_assert_max_num_queries(7):
        response = client.get(url("appointments"))
    assert len(response.context["rows"]) == 3
