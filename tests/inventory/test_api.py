"""Stock API (DESIGN §5): what the ERP sees when it lists stock and posts adjustments."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from inventory.models import StockLevel, StockMovement
from inventory.services import stock_adjust, stock_reserve
from o2o.models import IdempotencyRecord
from tests.api import token_client

pytestmark = pytest.mark.django_db
STOCK = "/api/v1/stock/"
ADJUST = "/api/v1/stock/adjustments/"
R = StockMovement.Reason


@pytest.fixture
def erp_user(django_user_model):
    return django_user_model.objects.create_user("erp", password="erp-pass-123", is_staff=True)


@pytest.fixture
def api(erp_user):
    return token_client(erp_user)


def adjust(api, body, *, key=None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return api.post(ADJUST, body, format="json", **headers)


def receive(store, sku, units):
    stock_adjust(store=store, sku=sku, delta=units, reason=R.RECEIPT)


def written():
    """What a refused request must leave untouched."""
    return (
        list(StockLevel.objects.order_by("pk").values_list("pk", "on_hand", "reserved")),
        StockMovement.objects.count(),
    )


# --- Authentication ----------------------------------------------------------------------------


@pytest.mark.parametrize("method, url", [("get", STOCK), ("post", ADJUST)])
def test_without_a_token_the_api_answers_401(method, url):
    response = getattr(APIClient(), method)(url, {}, format="json")

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_a_wrong_token_is_refused():
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")

    response = client.get(STOCK)

    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


@pytest.mark.parametrize("method, url", [("get", STOCK), ("post", ADJUST)])
def test_a_non_staff_token_answers_403(django_user_model, method, url):
    shopper = django_user_model.objects.create_user("shopper", password="shopper-pass-123")

    response = getattr(token_client(shopper), method)(url, {}, format="json")

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


# --- Listing -----------------------------------------------------------------------------------


def test_list_shows_levels_by_codes_with_available(api, store, sku):
    receive(store, sku, 5)
    stock_reserve(
        store=store,
        lines=[(sku.pk, 2)],
        expires_at=timezone.now() + timedelta(minutes=15),
        owner="order:1",
    )

    response = api.get(STOCK)

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    row = body["results"][0]
    assert {k: row[k] for k in ("store", "sku", "on_hand", "reserved", "available")} == {
        "store": "main",
        "sku": "hot",
        "on_hand": 5,
        "reserved": 2,
        "available": 3,
    }
    assert row["updated_at"]


def test_list_filters_by_store_and_sku(api, make_store, make_sku):
    north, south = make_store("north"), make_store("south")
    tee, cap = make_sku("tee"), make_sku("cap")
    for store in (north, south):
        for sku in (tee, cap):
            receive(store, sku, 1)

    by_store = api.get(STOCK, {"store": "north"}).json()["results"]
    by_both = api.get(STOCK, {"store": "south", "sku": "cap"}).json()["results"]

    assert {(r["store"], r["sku"]) for r in by_store} == {("north", "tee"), ("north", "cap")}
    assert [(r["store"], r["sku"]) for r in by_both] == [("south", "cap")]


def test_list_pages_with_limit_and_offset_in_a_stable_order(api, store, make_sku):
    skus = [make_sku(f"s{i}") for i in range(5)]
    for sku in skus:
        receive(store, sku, 1)
    # Equal timestamps: the id breaks the tie, so pages neither repeat nor skip rows.
    StockLevel.objects.update(updated_at=timezone.now())

    first = api.get(STOCK, {"limit": 2}).json()
    second = api.get(STOCK, {"limit": 2, "offset": 2}).json()
    third = api.get(STOCK, {"limit": 2, "offset": 4}).json()

    assert first["count"] == 5 and first["next"] and third["next"] is None
    codes = [r["sku"] for page in (first, second, third) for r in page["results"]]
    assert codes == [sku.code for sku in skus]


def test_updated_since_returns_only_levels_changed_since(api, store, make_sku):
    old, recent = make_sku("old"), make_sku("recent")
    receive(store, old, 1)
    receive(store, recent, 1)
    now = timezone.now()
    StockLevel.objects.filter(sku=old).update(updated_at=now - timedelta(days=2))
    StockLevel.objects.filter(sku=recent).update(updated_at=now - timedelta(hours=1))

    since = (now - timedelta(days=1)).isoformat()
    response = api.get(STOCK, {"updated_since": since})

    assert [r["sku"] for r in response.json()["results"]] == ["recent"]


def test_list_reads_a_page_in_a_fixed_number_of_queries(
    api, store, make_sku, django_assert_max_num_queries
):
    for i in range(10):
        receive(store, make_sku(f"q{i}"), 1)

    # Token lookup, store lookup, count, page: not one query per row.
    with django_assert_max_num_queries(4):
        response = api.get(STOCK, {"store": "main"})

    assert response.json()["count"] == 10


@pytest.mark.parametrize(
    "params, code",
    [
        ({"updated_since": "yesterday"}, "invalid"),
        ({"updated_since": "2024-13-45T00:00:00Z"}, "invalid"),
        ({"store": "nowhere"}, "unknown_store"),
        ({"sku": "nothing"}, "unknown_sku"),
    ],
)
def test_bad_filters_answer_400_with_a_code(api, store, sku, params, code):
    response = api.get(STOCK, params)

    assert response.status_code == 400
    assert response.json()["code"] == code


# --- Adjustments -------------------------------------------------------------------------------


def test_a_receipt_adds_stock_and_answers_the_level_and_movement(api, erp_user, store, sku):
    response = adjust(
        api,
        {
            "store": "main",
            "sku": "hot",
            "delta": 12,
            "reason": "receipt",
            "reference": "DN-1",
            "note": "spring delivery",
        },
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["store"], body["sku"], body["on_hand"], body["available"]) == (
        "main",
        "hot",
        12,
        12,
    )
    movement = StockMovement.objects.get()
    assert body["movement"]["id"] == movement.pk
    assert (movement.delta, movement.reason, movement.reference, movement.note) == (
        12,
        "receipt",
        "DN-1",
        "spring delivery",
    )
    assert movement.actor == erp_user


def test_a_correction_can_remove_units(api, store, sku):
    receive(store, sku, 5)

    response = adjust(api, {"store": "main", "sku": "hot", "delta": -2, "reason": "adjustment"})

    assert response.status_code == 201
    assert response.json()["on_hand"] == 3


def test_a_count_sets_on_hand_through_a_stocktake_movement(api, store, sku):
    receive(store, sku, 10)

    response = adjust(api, {"store": "main", "sku": "hot", "count": 7, "reference": "ST-9"})

    assert response.status_code == 201
    assert response.json()["on_hand"] == 7
    movement = StockMovement.objects.order_by("-pk").first()
    assert (movement.delta, movement.reason, movement.reference) == (-3, "stocktake", "ST-9")
    assert response.json()["movement"]["id"] == movement.pk


def test_a_count_may_name_the_stocktake_reason_and_may_create_the_level(api, store, sku):
    response = adjust(api, {"store": "main", "sku": "hot", "count": 4, "reason": "stocktake"})

    assert response.status_code == 201
    assert StockLevel.objects.get(store=store, sku=sku).on_hand == 4


def test_a_count_equal_to_on_hand_writes_no_movement(api, store, sku):
    receive(store, sku, 3)

    response = adjust(api, {"store": "main", "sku": "hot", "count": 3})

    assert response.status_code == 201
    assert response.json()["movement"] is None
    assert StockMovement.objects.count() == 1


@pytest.mark.parametrize(
    "body, code",
    [
        ({}, "invalid"),
        ({"sku": "hot", "delta": 1, "reason": "receipt"}, "invalid"),
        ({"store": "main", "delta": 1, "reason": "receipt"}, "invalid"),
        ({"store": "main", "sku": "hot", "reason": "receipt"}, "invalid"),
        ({"store": "main", "sku": "hot", "delta": 1, "count": 1, "reason": "receipt"}, "invalid"),
        ({"store": "main", "sku": "hot", "delta": "1", "reason": "receipt"}, "invalid"),
        ({"store": "main", "sku": "hot", "delta": 1.5, "reason": "receipt"}, "invalid"),
        ({"store": "main", "sku": "hot", "delta": True, "reason": "receipt"}, "invalid"),
        ({"store": "main", "sku": "hot", "delta": 0, "reason": "adjustment"}, "invalid"),
        ({"store": "main", "sku": "hot", "delta": 10**9, "reason": "receipt"}, "invalid"),
        ({"store": "main", "sku": "hot", "delta": 1}, "invalid"),
        ({"store": "main", "sku": "hot", "delta": 1, "reason": "gift"}, "invalid"),
        ({"store": "main", "sku": "hot", "delta": 1, "reason": "stocktake"}, "invalid"),
        ({"store": "main", "sku": "hot", "count": 1, "reason": "receipt"}, "invalid"),
        ({"store": "main", "sku": "hot", "count": -1}, "invalid"),
        ({"store": "main", "sku": "hot", "delta": -1, "reason": "receipt"}, "invalid_quantity"),
        ({"store": "main", "sku": "hot", "delta": 1, "reason": "sale"}, "invalid_quantity"),
        ({"store": "nowhere", "sku": "hot", "delta": 1, "reason": "receipt"}, "unknown_store"),
        ({"store": "main", "sku": "nothing", "delta": 1, "reason": "receipt"}, "unknown_sku"),
        ({"store": "closed", "sku": "hot", "delta": 1, "reason": "receipt"}, "inactive_store"),
        ({"store": "closed", "sku": "hot", "count": 1}, "inactive_store"),
    ],
)
def test_bad_adjustments_answer_400_and_write_nothing(api, store, sku, make_store, body, code):
    make_store("closed", is_active=False)
    receive(store, sku, 5)
    before = written()

    response = adjust(api, body)

    assert response.status_code == 400, response.json()
    assert response.json()["code"] == code
    assert response.json()["detail"]
    assert written() == before


def test_a_form_encoded_body_is_refused(api, store, sku):
    response = api.post(ADJUST, {"store": "main", "sku": "hot", "delta": 1, "reason": "receipt"})

    assert response.status_code == 415
    assert StockMovement.objects.count() == 0


def test_removing_more_than_on_hand_answers_409_with_shortages_and_writes_nothing(api, store, sku):
    receive(store, sku, 3)
    before = written()

    response = adjust(api, {"store": "main", "sku": "hot", "delta": -5, "reason": "adjustment"})

    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "insufficient_stock"
    assert body["shortages"] == [
        {"store": "main", "sku": "hot", "requested": 5, "available": 3, "on_hand": 3}
    ]
    assert written() == before


def test_counting_below_reserved_answers_409_and_writes_nothing(api, store, sku):
    receive(store, sku, 5)
    stock_reserve(
        store=store,
        lines=[(sku.pk, 4)],
        expires_at=timezone.now() + timedelta(minutes=15),
        owner="order:7",
    )
    before = written()

    response = adjust(api, {"store": "main", "sku": "hot", "count": 2})

    assert response.status_code == 409
    assert response.json()["code"] == "insufficient_stock"
    assert written() == before


# --- Idempotency-Key ---------------------------------------------------------------------------


RECEIPT = {"store": "main", "sku": "hot", "delta": 4, "reason": "receipt", "reference": "DN-7"}


def test_a_repeated_key_returns_the_first_response_and_writes_once(api, store, sku):
    first = adjust(api, RECEIPT, key="erp-dn-7")
    repeat = adjust(api, dict(reversed(list(RECEIPT.items()))), key="erp-dn-7")

    assert first.status_code == repeat.status_code == 201
    assert repeat.json() == first.json()
    assert repeat["Idempotent-Replayed"] == "true"
    assert StockMovement.objects.count() == 1
    assert StockLevel.objects.get().on_hand == 4


def test_a_key_reused_for_another_body_answers_409_and_writes_nothing(api, store, sku):
    adjust(api, RECEIPT, key="erp-dn-7")
    before = written()

    response = adjust(api, {**RECEIPT, "delta": 40}, key="erp-dn-7")

    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_key_reused"
    assert written() == before


def test_a_refused_write_is_replayed_even_after_stock_arrives(api, store, sku):
    # Policy: a key always gets its first answer; trying again after a fix takes a new key.
    removal = {"store": "main", "sku": "hot", "delta": -2, "reason": "adjustment"}
    first = adjust(api, removal, key="fix-1")
    receive(store, sku, 5)

    repeat = adjust(api, removal, key="fix-1")
    fresh = adjust(api, removal, key="fix-2")

    assert first.status_code == repeat.status_code == 409
    assert repeat.json() == first.json()
    assert fresh.status_code == 201
    assert StockLevel.objects.get().on_hand == 3


def test_without_a_key_each_request_writes(api, store, sku):
    adjust(api, RECEIPT)
    adjust(api, RECEIPT)

    assert StockLevel.objects.get().on_hand == 8
    assert not IdempotencyRecord.objects.exists()


@pytest.mark.parametrize("key", ["", "   ", "k" * 256])
def test_an_empty_or_too_long_key_answers_400(api, store, sku, key):
    response = adjust(api, RECEIPT, key=key)

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_idempotency_key"
    assert StockMovement.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicates_write_exactly_one_movement(erp_user, store, sku):
    threads_count = 6
    barrier = threading.Barrier(threads_count)
    token = Token.objects.create(user=erp_user)
    responses, errors = [], []

    def send():
        try:
            client = APIClient()
            client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
            barrier.wait(timeout=10)
            response = adjust(client, RECEIPT, key="same-delivery-note")
            replayed = response.get("Idempotent-Replayed") == "true"
            responses.append((response.status_code, response.json(), replayed))
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert not errors
    assert len(responses) == threads_count
    assert {status for status, _, _ in responses} == {201}
    assert all(body == responses[0][1] for _, body, _ in responses)
    assert sum(not replayed for _, _, replayed in responses) == 1
    assert StockMovement.objects.count() == 1
    assert StockLevel.objects.get(store=store, sku=sku).on_hand == 4
    assert IdempotencyRecord.objects.count() == 1


# --- OpenAPI -----------------------------------------------------------------------------------


def test_the_schema_documents_the_stock_endpoints_and_the_idempotency_header():
    # The schema describes interfaces, not data: it is readable without a token.
    response = APIClient().get("/api/schema/", {"format": "json"})

    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "get" in paths["/api/v1/stock/"]
    operation = paths["/api/v1/stock/adjustments/"]["post"]
    assert any(
        parameter["in"] == "header" and parameter["name"] == "Idempotency-Key"
        for parameter in operation["parameters"]
    )
    assert {"201", "400", "409"} <= set(operation["responses"])


def test_the_docs_page_loads():
    response = APIClient().get("/api/docs/")

    assert response.status_code == 200
    assert b"swagger" in response.content.lower()
