"""`GET /api/v1/orders/changes/`: a sync pages by cursor and gets each order once, while the
orders it pages over keep changing (the limit/offset list would skip or repeat them)."""

from datetime import timedelta

import pytest
from django.db.models import F
from django.utils import timezone

from orders.models import Order
from tests.api import token_client

pytestmark = pytest.mark.django_db
ORDERS = 2000


@pytest.fixture
def many_orders(shop):
    since = timezone.now() - timedelta(hours=1)
    Order.objects.bulk_create(
        Order(
            number=f"T{number:08d}",
            channel=Order.Channel.H5,
            fulfillment=Order.Fulfillment.PICKUP,
            status=Order.Status.PAID,
            fulfilling_store=shop.store,
        )
        for number in range(ORDERS)
    )
    return since


def test_paging_by_cursor_returns_each_order_once_while_orders_change(shop, many_orders):
    api = token_client(shop.manager.user.__class__.objects.create_user("erp", is_staff=True))
    since = many_orders.isoformat().replace("+", "%2B")
    url = f"/api/v1/orders/changes/?store={shop.store.code}&limit=250&updated_since={since}"
    seen, page_number = [], 0
    while url:
        page = api.get(url)
        assert page.status_code == 200, page.content
        body = page.json()
        seen += [row["number"] for row in body["results"]]
        url = body["next"]
        page_number += 1
        # Meanwhile the shop works: orders already read and orders not read yet change.
        touched = Order.objects.order_by("?").values_list("pk", flat=True)[:50]
        Order.objects.filter(pk__in=list(touched)).update(
            updated_at=timezone.now(), refunded_amount=F("refunded_amount")
        )

    assert len(seen) == ORDERS and len(set(seen)) == ORDERS
    assert page_number == ORDERS // 250
