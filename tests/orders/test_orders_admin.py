"""HQ admin for orders: the pages load, statuses are read-only, the refund action works."""

import pytest
from django.urls import reverse

from orders.models import BookingPolicy, Order, PaymentNotification, Refund
from orders.services.assisted import assisted_cart_create, assisted_cart_line_set
from orders.services.fulfilment import order_hand_over
from tests.orders.placing import pay, place

pytestmark = pytest.mark.django_db


@pytest.fixture
def hq(client, django_user_model):
    admin = django_user_model.objects.create_superuser("hq", "hq@example.com", "pw")
    client.force_login(admin)
    return client


@pytest.fixture
def sold(shop):
    order = pay(place(shop))
    order_hand_over(order=order, staff=shop.clerk)
    return order


def test_admin_pages_load(hq, shop, sold):
    cart = assisted_cart_create(staff=shop.clerk)
    assisted_cart_line_set(cart=cart, staff=shop.clerk, sku=shop.sku_m, quantity=1)
    pages = [
        reverse("admin:orders_order_changelist"),
        reverse("admin:orders_order_changelist") + "?status=completed&q=" + sold.number,
        reverse("admin:orders_order_change", args=[sold.pk]),
        reverse("admin:orders_payment_changelist"),
        reverse("admin:orders_paymentnotification_changelist") + "?outcome=applied",
        reverse(
            "admin:orders_paymentnotification_change", args=[PaymentNotification.objects.get().pk]
        ),
        reverse("admin:orders_refund_changelist"),
        reverse("admin:orders_cart_changelist"),
        reverse("admin:orders_cart_change", args=[cart.pk]),
    ]
    for page in pages:
        assert hq.get(page).status_code == 200, page


def test_order_list_shows_the_columns(hq, sold):
    body = hq.get(reverse("admin:orders_order_changelist")).content.decode()
    assert sold.number in body and "¥599.00" in body


def test_status_cannot_be_edited(hq, sold):
    response = hq.post(
        reverse("admin:orders_order_change", args=[sold.pk]), {"status": "cancelled"}
    )
    sold.refresh_from_db()
    assert response.status_code in {200, 302} and sold.status == Order.Status.COMPLETED
    assert hq.get(reverse("admin:orders_order_add")).status_code == 403


def test_refund_action(hq, shop, sold):
    changelist = reverse("admin:orders_order_changelist")
    without_reason = hq.post(
        changelist, {"action": "refund_in_full", "_selected_action": [sold.pk], "reason": ""}
    )
    assert without_reason.status_code == 302 and not Refund.objects.exists()

    hq.post(
        changelist,
        {"action": "refund_in_full", "_selected_action": [sold.pk], "reason": "HQ goodwill"},
    )

    sold.refresh_from_db()
    assert sold.status == Order.Status.REFUNDED
    assert Refund.objects.get().status == Refund.Status.SUCCEEDED


def test_booking_policy_is_one_row_hq_edits_in_the_admin(hq):
    response = hq.get(reverse("admin:orders_bookingpolicy_changelist"))
    policy = BookingPolicy.current()
    assert response["Location"] == reverse("admin:orders_bookingpolicy_change", args=[policy.pk])
    assert hq.get(reverse("admin:orders_bookingpolicy_add")).status_code == 403

    hq.post(
        response["Location"],
        {"horizon_days": 3, "max_open_per_member": 4, "max_open_per_member_per_store": 2},
    )

    policy.refresh_from_db()
    assert (policy.horizon_days, policy.max_open_per_member) == (3, 4)
    assert policy.max_open_per_member_per_store == 2
    assert BookingPolicy.objects.count() == 1
