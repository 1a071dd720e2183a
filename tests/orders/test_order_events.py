"""Order timelines speak the reader's language: every event kind, status and system actor has a
translated label, and the shopper's timeline, the staff order page and the HQ admin show those
labels, never the codes stored in the rows."""

import pytest
from django.urls import reverse
from django.utils import translation

from orders.models import Order, OrderEvent
from orders.services.fulfilment import try_visit_checkout
from orders.services.refunds import refund_request
from orders.services.status import order_event_add
from tests.orders.placing import booking, pay, place
from tests.orders.shopper_helpers import log_in

pytestmark = pytest.mark.django_db

RAW_CODES = ["pending_payment", "converted_from", "refund_requested", "OrderEvent object"]


@pytest.fixture
def converted_and_refunded(shop):
    """A booking turned into a sale at the visit, paid, then a refund requested."""
    booked = booking(shop)
    kept = {line.pk: line.quantity for line in booked.lines.all()}
    sale = pay(try_visit_checkout(order=booked, staff=shop.clerk, kept=kept))
    refund_request(order=sale, lines=None, reason="wrong size", actor=shop.manager.user)
    return sale


def _labels():
    labels = [*OrderEvent.Kind.choices, *Order.Status.choices]
    labels += [(code, label) for code, label in OrderEvent.ACTOR_LABELS.items()]
    return labels


def test_every_event_kind_status_and_system_actor_has_a_translated_label():
    for code, label in _labels():
        with translation.override("en"):
            english = str(label)
        with translation.override("zh-hans"):
            chinese = str(label)
        assert chinese != english, f"{code}: {english!r} has no zh-hans translation"


def test_timelines_show_labels_not_codes(client, shop, converted_and_refunded):
    sale = converted_and_refunded
    log_in(client, shop.member)
    shopper = client.get(reverse("orders:detail", args=[sale.number])).content.decode()
    client.force_login(shop.manager.user)
    staff = client.get(reverse("orders_backoffice:detail", args=[sale.number])).content.decode()
    client.force_login(type(shop.clerk.user).objects.create_superuser("hq", "hq@example.com", "pw"))
    admin = client.get(reverse("admin:orders_order_change", args=[sale.pk])).content.decode()

    for page in (shopper, staff, admin):
        assert not [code for code in RAW_CODES if code in page]
        assert "Converted from booking" in page and "Refund requested" in page
    assert "Order placed → Awaiting payment" in staff and "Awaiting payment → Paid" in staff
    assert "WeChat Pay" in staff and f"{sale.number} · Order placed" in admin


def test_the_staff_timeline_reads_chinese_by_default(
    client, shop, converted_and_refunded, settings
):
    settings.LANGUAGE_CODE = "zh-hans"
    client.force_login(shop.manager.user)

    page = client.get(
        reverse("orders_backoffice:detail", args=[converted_and_refunded.number])
    ).content.decode()

    assert "已下单 → 待付款" in page and "已申请退款" in page and "微信支付" in page


def test_an_event_kind_outside_the_list_is_refused(shop):
    order = place(shop)

    with pytest.raises(ValueError):
        order_event_add(order=order, kind="something_new")

    assert list(order.events.values_list("kind", flat=True)) == [OrderEvent.Kind.PLACED]


def test_an_event_reads_as_what_happened(shop):
    order = pay(place(shop))
    placed, paid = order.events.order_by("id")

    assert str(placed) == f"{order.number} · Order placed → Awaiting payment"
    assert paid.summary == "Awaiting payment → Paid" and paid.actor_display == "WeChat Pay"
