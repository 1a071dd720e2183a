"""The desk scanner's recognisers, one by one: what each code is taken for, what the desk does,
and the clear refusal for codes of another store, of another site, or of no kind we know."""

import time

import pytest
from django.contrib.sessions.middleware import SessionMiddleware
from django.core import signing
from django.core.cache import cache
from django.test import RequestFactory

from backoffice import recognisers
from backoffice.access import members_presented
from backoffice.recognisers import (
    RECOGNISERS,
    ScanContext,
    ScanOutcome,
    recogniser,
    scan_dispatch,
)
from catalog.qr import sku_qr_url
from members.card import card_token_issue
from members.services.accounts import member_create
from orders.models import Order
from orders.services.assisted import assisted_cart_create
from orders.services.fulfilment import order_mark_ready, pickup_token
from tests.orders.placing import F, pay, place

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


def scan(staff, text, *, cart=None):
    request = RequestFactory().post("/staff/scan/resolve/")
    SessionMiddleware(lambda r: None).process_request(request)
    request.user = staff.user
    outcome = scan_dispatch(ScanContext(request=request, staff=staff, cart=cart), text)
    outcome.request = request
    return outcome


@pytest.fixture
def ready(shop):
    return order_mark_ready(order=pay(place(shop, F.PICKUP)), staff=shop.clerk)


# ---- the order QR and the typed pickup code -----------------------------------------------------


def test_an_order_qr_of_the_store_verifies_the_pickup(shop, ready):
    outcome = scan(shop.clerk, pickup_token(ready))

    assert outcome.kind == "order_pickup_qr" and outcome.status == 200
    assert outcome.template.endswith("pickup_verified.html")
    assert outcome.context["order"] == ready
    ready.refresh_from_db()
    assert ready.status == Order.Status.COMPLETED


def test_an_order_qr_of_another_store_names_that_store_and_changes_nothing(shop, ready):
    outcome = scan(shop.other_clerk, pickup_token(ready))

    assert outcome.kind == "order_pickup_qr" and outcome.status == 403
    assert outcome.context["message"] == (
        "This order belongs to sh01 店. It can only be collected there."
    )
    ready.refresh_from_db()
    assert ready.status == Order.Status.READY


def test_an_order_qr_scanned_twice_is_already_collected(shop, ready):
    scan(shop.clerk, pickup_token(ready))

    again = scan(shop.clerk, pickup_token(ready))

    assert again.status == 409 and "Already collected" in again.context["message"]


def test_an_order_qr_not_ready_yet_is_refused(shop):
    paid = pay(place(shop, F.PICKUP))

    outcome = scan(shop.clerk, pickup_token(paid))

    assert outcome.status == 409 and "not ready for pickup yet" in outcome.context["message"]
    paid.refresh_from_db()
    assert paid.status == Order.Status.PAID


def test_a_tampered_order_qr_is_an_unknown_code(shop, ready):
    token = pickup_token(ready)

    outcome = scan(shop.clerk, token[:-3] + "abc")

    assert outcome.kind == "unknown" and outcome.status == 400
    assert "not one the desk knows" in outcome.context["message"]
    ready.refresh_from_db()
    assert ready.status == Order.Status.READY


def test_a_typed_pickup_code_verifies_and_a_wrong_one_is_explained(shop, ready):
    wrong = "000000" if ready.pickup_code != "000000" else "111111"

    refused = scan(shop.clerk, wrong)
    verified = scan(shop.clerk, ready.pickup_code)

    assert refused.kind == "pickup_code" and refused.status == 404
    assert "Wrong code" in refused.context["message"]
    assert verified.kind == "pickup_code" and verified.context["order"] == ready


def test_another_stores_clerk_cannot_verify_by_the_typed_code(shop, ready):
    outcome = scan(shop.other_clerk, ready.pickup_code)

    assert outcome.status == 404
    ready.refresh_from_db()
    assert ready.status == Order.Status.READY


# ---- the member card and a typed member code or phone ------------------------------------------


@pytest.fixture
def regular(shop):
    return member_create(phone="13800138000", nickname="小雨", home_store=shop.store)


def test_a_member_card_opens_her_page_and_is_remembered_as_shown_here(shop, regular):
    outcome = scan(shop.clerk, card_token_issue(regular))

    assert outcome.kind == "member_card_qr"
    assert outcome.redirect == f"/staff/customers/{regular.member_code}/"
    assert members_presented(outcome.request) == {regular.pk}


def test_a_member_card_of_another_stores_member_opens_her_page_too(shop):
    visitor = member_create(phone="13700137000", home_store=shop.other_store)

    outcome = scan(shop.clerk, card_token_issue(visitor))

    assert outcome.redirect == f"/staff/customers/{visitor.member_code}/"
    assert members_presented(outcome.request) == {visitor.pk}


def test_a_replayed_or_expired_card_is_refused(shop, regular, monkeypatch):
    token = card_token_issue(regular)
    scan(shop.clerk, token)

    replay = scan(shop.clerk, token)
    issued_at = time.time() - 300
    monkeypatch.setattr(signing.time, "time", lambda: issued_at)
    old = card_token_issue(regular)
    monkeypatch.undo()
    expired = scan(shop.clerk, old)

    assert replay.kind == expired.kind == "member_card_qr"
    assert replay.status == 400 and "already used" in replay.context["message"]
    assert expired.status == 400 and "expired" in expired.context["message"]
    assert members_presented(expired.request) == set()


@pytest.mark.parametrize("how", ["code", "lower_code", "phone", "spaced_phone"])
def test_a_typed_member_code_or_phone_of_the_store_opens_her_page(shop, regular, how):
    text = {
        "code": regular.member_code,
        "lower_code": regular.member_code.lower(),
        "phone": "13800138000",
        "spaced_phone": "138 0013 8000",
    }[how]

    outcome = scan(shop.clerk, text)

    assert outcome.kind == "member_typed"
    assert outcome.redirect == f"/staff/customers/{regular.member_code}/"


def test_a_typed_code_of_another_stores_member_asks_for_her_card(shop, regular):
    outcome = scan(shop.other_clerk, regular.member_code)

    assert outcome.kind == "member_typed" and outcome.status == 403 and not outcome.redirect
    assert "shows her member card" in outcome.context["message"]


def test_a_typed_code_of_nobody_is_explained(shop):
    outcome = scan(shop.clerk, "M000000000")

    assert outcome.status == 404 and "No member has this" in outcome.context["message"]


# ---- item labels and item codes ---------------------------------------------------------------


def test_an_item_label_shows_the_stock_in_this_store_and_nearby(shop):
    from inventory.services import stock_adjust

    stock_adjust(store=shop.other_store, sku=shop.sku_m, delta=2, reason="receipt")

    outcome = scan(shop.clerk, sku_qr_url(shop.sku_m, shop.store))

    assert outcome.kind == "item_label" and outcome.template.endswith("item.html")
    assert outcome.context["sku"] == shop.sku_m
    assert outcome.context["available_here"] == 3
    assert [(row.store, row.available) for row in outcome.context["nearby"]] == [
        (shop.other_store, 2)
    ]
    assert outcome.context["label_of_other_store"] is False


def test_another_stores_label_shows_this_stores_stock_and_says_so(shop):
    outcome = scan(shop.other_clerk, sku_qr_url(shop.sku_m, shop.store))

    assert outcome.context["available_here"] == 0
    assert outcome.context["label_of_other_store"] is True
    assert outcome.context["label_store_code"] == "sh01"


def test_a_label_without_a_store_and_a_typed_item_code_or_barcode(shop):
    shop.sku_l.barcode = "6901234567892"
    shop.sku_l.save(update_fields=["barcode"])

    bare = scan(shop.clerk, sku_qr_url(shop.sku_m))
    code = scan(shop.clerk, "dress-m")
    barcode = scan(shop.clerk, "6901234567892")

    assert bare.kind == "item_label" and bare.context["sku"] == shop.sku_m
    assert code.kind == "item_code" and code.context["sku"] == shop.sku_m
    assert barcode.kind == "item_code" and barcode.context["sku"] == shop.sku_l


def test_a_label_of_an_unknown_or_withdrawn_item(shop):
    shop.sku_l.is_active = False
    shop.sku_l.save(update_fields=["is_active"])

    unknown = scan(shop.clerk, sku_qr_url(shop.sku_m).replace("dress-m", "no-such-item"))
    withdrawn = scan(shop.clerk, sku_qr_url(shop.sku_l))

    assert unknown.kind == "item_label" and unknown.status == 404
    assert withdrawn.status == 410 and "no longer sold" in withdrawn.context["message"]


def test_from_an_assisted_cart_a_label_adds_one_more_unit(shop):
    cart = assisted_cart_create(staff=shop.clerk, note="王女士")

    first = scan(shop.clerk, sku_qr_url(shop.sku_m, shop.store), cart=cart)
    second = scan(shop.clerk, sku_qr_url(shop.sku_m, shop.store), cart=cart)

    assert first.template.endswith("item_added.html")
    assert (first.context["line"].quantity, second.context["line"].quantity) == (1, 2)
    assert list(cart.lines.values_list("sku_id", "quantity")) == [(shop.sku_m.pk, 2)]


def test_another_clerks_cart_is_not_changed(shop):
    cart = assisted_cart_create(staff=shop.manager)

    outcome = scan(shop.clerk, sku_qr_url(shop.sku_m), cart=cart)

    assert outcome.status == 409 and not cart.lines.exists()


# ---- unknown, foreign and hostile texts ---------------------------------------------------------


@pytest.mark.parametrize(
    "text, says",
    [
        ("https://other.example/q/dress-m?s=sh01", "a link to other.example"),
        ("http://weixin.qq.com/r/abcdef", "a link to weixin.qq.com"),
        ("hello world", "not one the desk knows"),
        ("12345", "not one the desk knows"),
        ("a:b:c", "not one the desk knows"),
        ("", "not one the desk knows"),
        ("x" * 400, "not one the desk knows"),
    ],
)
def test_unknown_and_foreign_codes_are_explained(shop, text, says):
    outcome = scan(shop.clerk, text)

    assert outcome.kind == "unknown" and outcome.status == 400
    assert says in outcome.context["message"]


def test_a_signed_token_of_another_kind_is_not_taken_for_an_order_or_a_card(shop):
    foreign = signing.dumps({"n": "000000000001"}, salt="someone.else")

    outcome = scan(shop.clerk, foreign)

    assert outcome.kind == "unknown"


def test_a_new_kind_of_code_is_one_more_recogniser(shop, monkeypatch):
    monkeypatch.setattr(recognisers, "RECOGNISERS", list(RECOGNISERS))

    @recogniser("voucher", matches=lambda text: text.startswith("VCH-"))
    def voucher(context, text):
        return ScanOutcome(context={"message": f"voucher {text[4:]}"})

    outcome = scan(shop.clerk, "VCH-42")

    assert outcome.kind == "voucher" and outcome.context["message"] == "voucher 42"
    assert len(RECOGNISERS) == len(recognisers.RECOGNISERS) - 1
