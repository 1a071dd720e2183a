"""A store's whole stocktake in one request (`POST /api/v1/stock/counts/`): applied as movements,
all lines or none, once however often it is sent."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from inventory.models import StockLevel, StockMovement
from inventory.services import stock_adjust, stock_reserve
from tests.api import token_client

pytestmark = pytest.mark.django_db
COUNTS = "/api/v1/stock/counts/"


@pytest.fixture
def erp(django_user_model):
    return django_user_model.objects.create_user("erp", is_staff=True)


@pytest.fixture
def shelf(store, make_sku):
    skus = [make_sku(f"c{n}") for n in range(3)]
    for sku, units in zip(skus, (5, 3, 2), strict=True):
        stock_adjust(store=store, sku=sku, delta=units, reason="receipt")
    return skus


def on_hand(store):
    return dict(
        StockLevel.objects.filter(store=store).values_list("sku__code", "on_hand").order_by("sku")
    )


def body(**changes):
    return {
        "store": "main",
        "reference": "ST-1",
        "full": True,
        "lines": [{"sku": "c0", "count": 4}, {"sku": "c1", "count": 3}],
        **changes,
    }


def test_a_full_count_becomes_on_hand_once_however_often_it_is_sent(erp, store, shelf):
    api = token_client(erp)

    first = api.post(COUNTS, body(), format="json", HTTP_IDEMPOTENCY_KEY="k1")
    replay = api.post(COUNTS, body(), format="json", HTTP_IDEMPOTENCY_KEY="k1")
    same_sheet = api.post(COUNTS, body(), format="json", HTTP_IDEMPOTENCY_KEY="k2")

    assert first.status_code == replay.status_code == same_sheet.status_code == 201
    # c0 counted one short, c1 right, c2 not on the sheet of a full count: none left
    assert on_hand(store) == {"c0": 4, "c1": 3, "c2": 0}
    assert [(m["sku"], m["delta"]) for m in first.json()["movements"]] == [("c0", -1), ("c2", -2)]
    assert replay.json() == first.json()
    assert same_sheet.json()["movements"] == first.json()["movements"]
    assert StockMovement.objects.filter(reason="stocktake").count() == 2


def test_a_count_below_what_shoppers_reserved_writes_nothing(erp, store, shelf):
    stock_reserve(
        store=store,
        lines=[(shelf[2].pk, 2)],
        expires_at=timezone.now() + timedelta(minutes=15),
        owner="order:x",
    )
    before = on_hand(store)

    response = token_client(erp).post(COUNTS, body(), format="json")

    assert response.status_code == 409
    assert response.json()["shortages"][0]["sku"] == "c2"
    assert on_hand(store) == before


def test_unknown_skus_and_repeated_lines_are_400(erp, store, shelf):
    api = token_client(erp)
    unknown = api.post(COUNTS, body(lines=[{"sku": "nope", "count": 1}]), format="json")
    twice = api.post(
        COUNTS, body(lines=[{"sku": "c0", "count": 1}, {"sku": "c0", "count": 2}]), format="json"
    )
    assert (unknown.status_code, unknown.json()["code"]) == (400, "unknown_sku")
    assert (twice.status_code, twice.json()["code"]) == (400, "invalid")
    assert on_hand(store) == {"c0": 5, "c1": 3, "c2": 2}


@pytest.mark.django_db(transaction=True)
def test_the_same_count_sent_by_two_tills_at_once_is_applied_once(erp, store, shelf):
    barrier = threading.Barrier(2, timeout=10)
    statuses = []

    def send(key):
        try:
            barrier.wait()
            response = token_client(erp).post(
                COUNTS, body(), format="json", HTTP_IDEMPOTENCY_KEY=key
            )
            statuses.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(key,)) for key in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert statuses == [201, 201]
    assert on_hand(store) == {"c0": 4, "c1": 3, "c2": 0}
    assert StockMovement.objects.filter(reason="stocktake").count() == 2
