"""Refunds from the back-office order page: managers only; stock back unless damaged; points
reversed."""

import pytest
from django.urls import reverse

from inventory.models import StockLevel
from members.models import PointsEntry
from orders.models import Order, Refund
from orders.services.checkout import Line
from orders.services.fulfilment import order_hand_over
from orders.services.refunds import refund_execute, refund_request
from tests.backoffice.test_orders import login
from tests.orders.placing import pay, place

pytestmark = pytest.mark.django_db


def level(shop, sku):
    return StockLevel.objects.get(store=shop.store, sku=sku)


@pytest.fixture
def sold(shop):
    """Two dresses (M and L) bought and handed over in store: 1198 points earned."""
    order = pay(place(shop, lines=[Line(shop.sku_m, 1), Line(shop.sku_l, 1)]))
    order_hand_over(order=order, staff=shop.clerk)
    shop.member.refresh_from_db()
    assert shop.member.points_balance == 1198
    assert (level(shop, shop.sku_m).on_hand, level(shop, shop.sku_l).on_hand) == (2, 2)
    return order


def refund_url(order):
    return reverse("orders_backoffice:refund", args=[order.number])


def refund_confirmed(client, order, data, **options):
    """The manager's two steps: the form shows what will be refunded, then she confirms."""
    review = client.post(refund_url(order), data)
    assert review.status_code == 200, review.content.decode()[:300]
    return client.post(refund_url(order), dict(review.context["confirm_fields"]), **options)


def test_manager_refunds_one_line_stock_back_points_reversed(shop, client, sold):
    line_m = sold.lines.get(sku=shop.sku_m)
    line_l = sold.lines.get(sku=shop.sku_l)
    login(client, shop.manager)

    response = refund_confirmed(
        client,
        sold,
        {f"line-{line_m.pk}": 1, f"line-{line_l.pk}": 0, "reason": "too small"},
        follow=True,
    )

    sold.refresh_from_db()
    shop.member.refresh_from_db()
    refund = Refund.objects.get()
    assert refund.status == Refund.Status.SUCCEEDED and refund.amount == 59900
    assert "Refund" in response.content.decode() and "done" in response.content.decode()
    assert sold.status == Order.Status.COMPLETED and sold.refunded_amount == 59900
    assert (level(shop, shop.sku_m).on_hand, level(shop, shop.sku_l).on_hand) == (3, 2)
    assert shop.member.points_balance == 599
    assert PointsEntry.objects.filter(member=shop.member, reason="reversal").count() == 1


def test_full_refund_of_damaged_goods_puts_nothing_back(shop, client, sold):
    login(client, shop.manager)

    refund_confirmed(client, sold, {"full": "on", "reason": "stained", "damaged": "on"})

    sold.refresh_from_db()
    shop.member.refresh_from_db()
    assert sold.status == Order.Status.REFUNDED and sold.refunded_amount == sold.total_amount
    assert (level(shop, shop.sku_m).on_hand, level(shop, shop.sku_l).on_hand) == (2, 2)
    assert shop.member.points_balance == 0
    assert sold.events.filter(kind="written_off").exists()


def test_refund_of_a_paid_order_not_yet_handed_over(shop, client):
    order = pay(place(shop))
    login(client, shop.manager)
    refund_confirmed(client, order, {"full": "on", "reason": "changed her mind"})
    order.refresh_from_db()
    assert order.status == Order.Status.REFUNDED
    assert level(shop, shop.sku_m).on_hand == 3


def test_clerk_cannot_refund(shop, client, sold):
    login(client, shop.clerk)
    response = client.post(refund_url(sold), {"full": "on", "reason": "x"})
    assert response.status_code == 403
    assert not Refund.objects.exists()
    detail = client.get(reverse("orders_backoffice:detail", args=[sold.number]))
    assert "refund_form" not in detail.context


def test_manager_sees_the_refund_form(shop, client, sold):
    login(client, shop.manager)
    detail = client.get(reverse("orders_backoffice:detail", args=[sold.number]))
    assert "refund_form" in detail.context
    assert reverse("orders_backoffice:refund", args=[sold.number]) in detail.content.decode()


def test_refund_needs_a_reason_and_quantities(shop, client, sold):
    login(client, shop.manager)
    no_reason = client.post(refund_url(sold), {"full": "on", "reason": ""})
    nothing = client.post(refund_url(sold), {"reason": "why not"})
    too_many = client.post(refund_url(sold), {f"line-{sold.lines.first().pk}": 2, "reason": "two?"})
    assert (no_reason.status_code, nothing.status_code, too_many.status_code) == (400, 400, 400)
    assert not Refund.objects.exists()


def test_refund_of_an_unpaid_order_is_a_message(shop, client):
    order = place(shop)
    login(client, shop.manager)
    response = client.post(refund_url(order), {"full": "on", "reason": "x"}, follow=True)
    assert response.status_code == 200 and "cannot be done now" in response.content.decode()
    assert not Refund.objects.exists()


def test_second_refund_of_the_rest(shop, client, sold):
    line_m = sold.lines.get(sku=shop.sku_m)
    login(client, shop.manager)
    refund_confirmed(client, sold, {f"line-{line_m.pk}": 1, "reason": "first"})
    refund_confirmed(client, sold, {"full": "on", "reason": "the rest"})
    sold.refresh_from_db()
    assert sold.status == Order.Status.REFUNDED
    assert list(Refund.objects.order_by("created_at").values_list("amount", flat=True)) == [
        59900,
        59900,
    ]


def test_a_refund_is_shown_for_confirmation_before_any_money_moves(shop, client, sold):
    line_m = sold.lines.get(sku=shop.sku_m)
    login(client, shop.manager)

    review = client.post(refund_url(sold), {f"line-{line_m.pk}": 1, "reason": "too small"})

    page = review.content.decode()
    assert review.status_code == 200 and 'data-testid="refund-confirm"' in page
    assert "Refund ¥599.00?" in page and "Back on sale in this store." in page
    assert not Refund.objects.exists()
    sold.refresh_from_db()
    assert sold.refunded_amount == 0 and level(shop, shop.sku_m).on_hand == 2

    client.post(refund_url(sold), dict(review.context["confirm_fields"]))

    assert Refund.objects.get().amount == 59900 and level(shop, shop.sku_m).on_hand == 3


def test_a_confirmation_with_stale_figures_shows_them_again(shop, client, sold):
    login(client, shop.manager)
    review = client.post(refund_url(sold), {"full": "on", "reason": "all of it"})
    first_line = sold.lines.order_by("pk").first()
    refund_execute(
        refund=refund_request(order=sold, lines=[(first_line, 1)], reason="meanwhile", actor=None)
    )

    again = client.post(refund_url(sold), dict(review.context["confirm_fields"]), follow=True)

    assert 'data-testid="refund-confirm"' in again.content.decode()
    assert "The amounts changed meanwhile" in again.content.decode()
    assert Refund.objects.count() == 1  # only the one made meanwhile
