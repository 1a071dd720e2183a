"""POS sales API (DESIGN §5): an offline sale posted by the POS, as the POS and members see it."""

import threading
from datetime import date

import pytest
from django.db import connection
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from catalog.models import SKU, Category, Product
from inventory.models import StockLevel, StockMovement
from inventory.services import stock_adjust
from members.models import FollowUpTask, LoyaltyPolicy, Member, PointsEntry
from members.services.binding import member_touch
from orders.models import Order
from tests.api import token_client
from tests.stores.factories import StaffFactory, StoreFactory

pytestmark = pytest.mark.django_db
SALES = "/api/v1/pos/sales/"
SOLD_AT = "2026-03-10T10:00:00+08:00"  # a Tuesday in Shanghai


@pytest.fixture
def pos_user(django_user_model):
    return django_user_model.objects.create_user("pos", password="pos-pass-123", is_staff=True)


@pytest.fixture
def api(pos_user):
    return token_client(pos_user)


@pytest.fixture
def formula(shop):
    """A can of formula lasts a week (consumption_days_per_unit=7); ten cans at the main store."""
    category = Category.objects.create(name="奶粉", slug="formula")
    product = Product.objects.create(
        code="f900",
        name="婴儿配方奶粉 900g",
        category=category,
        base_price=29800,
        consumption_days_per_unit=7,
    )
    sku = SKU.objects.create(product=product, code="f900-1", size="900g")
    stock_adjust(store=shop.store, sku=sku, delta=10, reason="receipt")
    return sku


def sell(api, body, *, key=None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return api.post(SALES, body, format="json", **headers)


def sale(shop, **changes):
    """Three cans to the shop's member, rung up by the clerk, ¥94 off."""
    body = {
        "store": "sh01",
        "clerk": "SH01-C1",
        "member": shop.member.member_code,
        "lines": [{"sku": "f900-1", "quantity": 3, "unit_price": 29800}],
        "amount_paid": 80000,
        "external_id": "POS-SH01-0001",
        "sold_at": SOLD_AT,
    }
    body.update(changes)
    return {k: v for k, v in body.items() if v is not None}


def on_hand(store, sku) -> int:
    return StockLevel.objects.get(store=store, sku=sku).on_hand


def written():
    """What a refused sale must leave untouched."""
    return (
        list(StockLevel.objects.order_by("pk").values_list("pk", "on_hand", "reserved")),
        StockMovement.objects.count(),
        Order.objects.count(),
        list(Member.objects.order_by("pk").values_list("pk", "points_balance", "home_store_id")),
        PointsEntry.objects.count(),
        FollowUpTask.objects.count(),
    )


# --- Authentication ----------------------------------------------------------------------------


def test_without_a_token_the_api_answers_401(shop, formula):
    response = APIClient().post(SALES, sale(shop), format="json")

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert not Order.objects.exists()


def test_a_non_staff_token_answers_403(django_user_model, shop, formula):
    shopper = django_user_model.objects.create_user("shopper", password="shopper-pass-123")

    response = token_client(shopper).post(SALES, sale(shop), format="json")

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert not Order.objects.exists()


# --- A sale ------------------------------------------------------------------------------------


def test_a_sale_to_a_member_answers_201_and_records_everything(api, shop, formula):
    response = sell(api, sale(shop))

    assert response.status_code == 201, response.json()
    body = response.json()
    order = Order.objects.get()
    assert {k: body[k] for k in body if k not in ("lines", "sold_at")} == {
        "number": order.number,
        "external_id": "POS-SH01-0001",
        "status": "completed",
        "store": "sh01",
        "credited_store": "sh01",
        "credited_clerk": "SH01-C1",  # she has no bound clerk: the selling clerk is credited
        "clerk": "SH01-C1",
        "member": shop.member.member_code,
        "goods_amount": 89400,
        "discount_amount": 9400,
        "total_amount": 80000,
        "points_earned": 800,  # ¥800 paid, 1 point per yuan
        "follow_up_tasks": 2,
    }
    assert body["lines"] == [
        {
            "sku": "f900-1",
            "product_name": "婴儿配方奶粉 900g",
            "quantity": 3,
            "unit_price": 29800,
            "discount_share": 9400,
        }
    ]
    assert body["sold_at"].startswith("2026-03-10T10:00:00")
    # Stock left the store, through one sale movement naming the order.
    assert on_hand(shop.store, formula) == 7
    movement = StockMovement.objects.get(reason="sale")
    assert (movement.delta, movement.reference) == (-3, f"order:{order.number}")
    # The member earned points and got the store as her home store.
    member = Member.objects.get(pk=shop.member.pk)
    assert member.points_balance == 800 and member.home_store == shop.store


def test_the_sale_creates_follow_ups_due_when_the_formula_runs_out(api, shop, formula):
    sell(api, sale(shop))

    tasks = {task.kind: task for task in FollowUpTask.objects.filter(member=shop.member)}
    # Three cans of 7 days bought on 10 March last 21 days; the clerk calls 2 lead days before.
    assert tasks["replenish"].due_date == date(2026, 3, 29)
    assert (tasks["replenish"].product, tasks["replenish"].quantity) == (formula.product, 3)
    # First purchase: a check-in 4 days later.
    assert tasks["first_purchase"].due_date == date(2026, 3, 14)
    # No bound clerk: the home store's manager calls.
    assert {task.assignee for task in tasks.values()} == {shop.manager}


def test_the_follow_up_due_date_follows_hq_policy(api, shop, formula):
    LoyaltyPolicy.objects.update_or_create(
        pk=1, defaults={"followup_lead_days": 5, "first_purchase_checkin_days": 3}
    )

    two_cans = [{"sku": "f900-1", "quantity": 2, "unit_price": 29800}]

    response = sell(api, sale(shop, lines=two_cans, amount_paid=59600))

    assert response.status_code == 201
    # Two cans last 14 days; the clerk calls 5 days before they run out.
    tasks = {task.kind: task.due_date for task in FollowUpTask.objects.all()}
    assert tasks == {"replenish": date(2026, 3, 19), "first_purchase": date(2026, 3, 13)}


def test_the_members_bound_clerk_is_credited_over_the_selling_clerk(api, shop, formula):
    member_touch(member=shop.member, clerk=shop.other_clerk, source="test")

    response = sell(api, sale(shop))

    body = response.json()
    assert (body["credited_clerk"], body["clerk"]) == ("SH02-C1", "SH01-C1")
    assert body["credited_store"] == "sh01"  # an in-store sale counts for the selling store
    member = Member.objects.get(pk=shop.member.pk)
    assert member.home_store == shop.other_store  # set once, by her first scan
    assert set(FollowUpTask.objects.values_list("assignee", flat=True)) == {shop.other_clerk.pk}


def test_a_new_phone_becomes_a_member_joined_via_pos(api, shop, formula):
    response = sell(api, sale(shop, member=None, member_phone="+86 137-0013-7000"))

    assert response.status_code == 201, response.json()
    member = Member.objects.get(phone="13700137000")
    assert response.json()["member"] == member.member_code
    assert member.joined_via == Member.JoinedVia.POS
    assert member.home_store == shop.store and member.points_balance == 800


def test_a_known_phone_is_that_member(api, shop, formula):
    response = sell(api, sale(shop, member=None, member_phone="13900139000"))

    assert response.json()["member"] == shop.member.member_code
    assert Member.objects.count() == 1


def test_a_member_code_is_read_case_insensitively(api, shop, formula):
    response = sell(api, sale(shop, member=shop.member.member_code.lower()))

    assert response.status_code == 201
    assert response.json()["member"] == shop.member.member_code


def test_a_sale_without_member_or_clerk_earns_nothing(api, shop, formula):
    response = sell(api, sale(shop, member=None, clerk=None, sold_at=None))

    assert response.status_code == 201
    body = response.json()
    assert (body["member"], body["clerk"], body["credited_clerk"]) == (None, None, None)
    assert (body["points_earned"], body["follow_up_tasks"]) == (0, 0)
    assert on_hand(shop.store, formula) == 7
    assert not PointsEntry.objects.exists()


def test_lines_of_the_same_sku_and_price_are_merged(api, shop, formula):
    lines = [
        {"sku": "f900-1", "quantity": 1, "unit_price": 29800},
        {"sku": "dress-m", "quantity": 1, "unit_price": 59900},
        {"sku": "f900-1", "quantity": 2, "unit_price": 29800},
        {"sku": "dress-m", "quantity": 1, "unit_price": 29900},  # marked down: its own line
    ]

    response = sell(api, sale(shop, lines=lines, amount_paid=179200))

    assert response.status_code == 201, response.json()
    assert sorted((r["sku"], r["quantity"], r["unit_price"]) for r in response.json()["lines"]) == [
        ("dress-m", 1, 29900),
        ("dress-m", 1, 59900),
        ("f900-1", 3, 29800),
    ]
    assert on_hand(shop.store, formula) == 7 and on_hand(shop.store, shop.sku_m) == 1


# --- Idempotent on the external id -------------------------------------------------------------


def test_the_same_sale_three_times_is_recorded_once(api, shop, formula):
    responses = [sell(api, sale(shop)) for _ in range(3)]

    assert [r.status_code for r in responses] == [201, 200, 200]
    assert responses[1].json() == responses[2].json() == responses[0].json()
    assert Order.objects.count() == 1
    assert StockMovement.objects.filter(reason="sale").count() == 1
    assert on_hand(shop.store, formula) == 7
    assert PointsEntry.objects.count() == 1
    assert Member.objects.get(pk=shop.member.pk).points_balance == 800
    assert FollowUpTask.objects.count() == 2


def test_a_replay_with_merged_lines_and_another_key_is_the_same_sale(api, shop, formula):
    first = sell(api, sale(shop), key="till-1")
    split = [
        {"sku": "f900-1", "quantity": 1, "unit_price": 29800},
        {"sku": "f900-1", "quantity": 2, "unit_price": 29800},
    ]

    again = sell(api, sale(shop, lines=split), key="till-2")

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert Order.objects.count() == 1 and on_hand(shop.store, formula) == 7


def test_a_repeated_idempotency_key_replays_the_first_answer(api, shop, formula):
    first = sell(api, sale(shop), key="till-1")
    repeat = sell(api, sale(shop), key="till-1")

    assert first.status_code == repeat.status_code == 201
    assert repeat["Idempotent-Replayed"] == "true"
    assert repeat.json() == first.json()
    assert Order.objects.count() == 1


@pytest.mark.parametrize(
    "changes",
    [
        {"amount_paid": 70000},
        {"lines": [{"sku": "f900-1", "quantity": 2, "unit_price": 29800}], "amount_paid": 59600},
        {"member": None},
        {"store": "sh02", "clerk": "SH02-C1"},
    ],
)
def test_the_same_external_id_for_another_sale_answers_409(api, shop, formula, changes):
    stock_adjust(store=shop.other_store, sku=formula, delta=5, reason="receipt")
    sell(api, sale(shop))
    before = written()

    response = sell(api, sale(shop, **changes))

    assert response.status_code == 409
    assert response.json()["code"] == "external_id_reused"
    assert written() == before


# --- Refused sales write nothing ---------------------------------------------------------------


def test_short_stock_answers_409_with_shortages_and_writes_nothing(api, shop, formula):
    before = written()
    lines = [
        {"sku": "f900-1", "quantity": 2, "unit_price": 29800},
        {"sku": "dress-m", "quantity": 5, "unit_price": 59900},
    ]

    response = sell(
        api, sale(shop, member=None, member_phone="13700137000", lines=lines, amount_paid=1000)
    )

    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "insufficient_stock"
    assert body["shortages"] == [
        {"store": "sh01", "sku": "dress-m", "requested": 5, "available": 3, "on_hand": 3}
    ]
    # No order, no movement (not even for the line in stock), no points, no member.
    assert written() == before
    assert not Member.objects.filter(phone="13700137000").exists()


def test_a_refused_sale_can_be_sent_again_once_stock_arrives(api, shop, formula):
    body = sale(shop, lines=[{"sku": "f900-1", "quantity": 12, "unit_price": 100}], amount_paid=0)
    refused = sell(api, body)
    stock_adjust(store=shop.store, sku=formula, delta=5, reason="receipt")

    accepted = sell(api, body)

    assert (refused.status_code, accepted.status_code) == (409, 201)
    assert on_hand(shop.store, formula) == 3


LINE = {"sku": "f900-1", "quantity": 1, "unit_price": 29800}


@pytest.mark.parametrize(
    "changes, code",
    [
        ({"store": None}, "invalid"),
        ({"external_id": None}, "invalid"),
        ({"external_id": ""}, "invalid"),
        ({"external_id": "x" * 65}, "invalid"),
        ({"lines": []}, "invalid"),
        ({"lines": None}, "invalid"),
        ({"lines": [{**LINE, "quantity": 0}]}, "invalid"),
        ({"lines": [{**LINE, "quantity": "1"}]}, "invalid"),
        ({"lines": [{**LINE, "quantity": 1.5}]}, "invalid"),
        ({"lines": [{**LINE, "unit_price": -1}]}, "invalid"),
        ({"lines": [{"sku": "f900-1", "quantity": 1}]}, "invalid"),
        ({"amount_paid": -1}, "invalid"),
        ({"amount_paid": "800.00"}, "invalid"),
        ({"amount_paid": None}, "invalid"),
        ({"sold_at": "yesterday"}, "invalid"),
        ({"member_phone": "13700137000"}, "invalid"),  # with `member` too
        ({"store": "nowhere"}, "unknown_store"),
        ({"store": "closed", "clerk": None}, "inactive_store"),
        ({"lines": [{**LINE, "sku": "nothing"}]}, "unknown_sku"),
        ({"clerk": "NOBODY"}, "unknown_clerk"),
        ({"clerk": "SH02-C1"}, "unknown_clerk"),  # a clerk of another store
        ({"clerk": "SH01-GONE"}, "unknown_clerk"),  # a clerk who left
        ({"member": "M000000000"}, "unknown_member"),
        ({"member": "GONE"}, "unknown_member"),  # a deactivated member
        ({"member": None, "member_phone": "12345"}, "invalid_phone"),
        ({"amount_paid": 89401}, "amount_mismatch"),
        ({"member": None, "member_phone": "13700137000", "amount_paid": 89401}, "amount_mismatch"),
    ],
)
def test_bad_sales_answer_400_with_a_code_and_write_nothing(api, shop, formula, changes, code):
    StoreFactory(code="closed", is_active=False)
    StaffFactory(store=shop.store, staff_code="SH01-GONE", is_active=False)
    gone = Member.objects.create(member_code="GONE", referral_code="GONE", is_active=False)
    if changes.get("member") == "GONE":
        changes["member"] = gone.member_code
    before = written()

    response = sell(api, sale(shop, **changes))

    assert response.status_code == 400, response.json()
    assert response.json()["code"] == code
    assert response.json()["detail"]
    assert written() == before


def test_a_form_encoded_body_is_refused(api, shop, formula):
    response = api.post(SALES, {"store": "sh01", "external_id": "POS-1", "amount_paid": 0})

    assert response.status_code == 415
    assert not Order.objects.exists()


# --- Concurrency -------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_same_sale_posted_by_five_tills_at_once_is_recorded_once(pos_user, shop, formula):
    threads_count = 5
    barrier = threading.Barrier(threads_count)
    token = Token.objects.create(user=pos_user)
    # A phone not yet a member: the member, like the order, must be created exactly once.
    body = sale(shop, member=None, member_phone="13700137000")
    responses, errors = [], []

    def send():
        try:
            client = APIClient()
            client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
            barrier.wait(timeout=10)
            response = sell(client, body)
            responses.append((response.status_code, response.json()))
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
    assert sorted(status for status, _ in responses) == [200] * (threads_count - 1) + [201]
    assert all(body == responses[0][1] for _, body in responses)
    order = Order.objects.get()
    assert responses[0][1]["number"] == order.number
    assert StockMovement.objects.filter(reason="sale").count() == 1
    assert on_hand(shop.store, formula) == 7
    member = Member.objects.get(phone="13700137000")
    assert member.points_balance == 800 and PointsEntry.objects.filter(member=member).count() == 1


# --- OpenAPI -----------------------------------------------------------------------------------


def test_the_schema_documents_the_sales_endpoint_and_the_idempotency_header():
    response = APIClient().get("/api/schema/", {"format": "json"})

    assert response.status_code == 200
    operation = response.json()["paths"]["/api/v1/pos/sales/"]["post"]
    assert any(
        parameter["in"] == "header" and parameter["name"] == "Idempotency-Key"
        for parameter in operation["parameters"]
    )
    assert {"200", "201", "400", "409"} <= set(operation["responses"])
