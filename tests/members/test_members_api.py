"""Members API (DESIGN §5): what the CRM and POS see when they list and upsert members."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from members.models import BindingChange, Member
from members.services.accounts import member_create
from members.services.binding import member_touch
from o2o.models import IdempotencyRecord
from tests.api import token_client
from tests.stores.factories import StaffFactory, StoreFactory

pytestmark = pytest.mark.django_db
MEMBERS = "/api/v1/members/"
UPSERT = "/api/v1/members/upsert/"


@pytest.fixture
def crm_user(django_user_model):
    return django_user_model.objects.create_user("crm", password="crm-pass-123", is_staff=True)


@pytest.fixture
def api(crm_user):
    return token_client(crm_user)


@pytest.fixture
def store():
    return StoreFactory(code="sh01")


def upsert(api, body, *, key=None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return api.post(UPSERT, body, format="json", **headers)


def written():
    """What a refused request must leave untouched."""
    return (
        list(
            Member.objects.order_by("pk").values_list(
                "pk", "phone", "external_id", "nickname", "home_store_id"
            )
        ),
        BindingChange.objects.count(),
    )


def codes(response):
    return [row["member_code"] for row in response.json()["results"]]


# --- Authentication ----------------------------------------------------------------------------


@pytest.mark.parametrize("method, url", [("get", MEMBERS), ("post", UPSERT)])
def test_without_a_token_the_api_answers_401(method, url):
    response = getattr(APIClient(), method)(url, {}, format="json")

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


@pytest.mark.parametrize("method, url", [("get", MEMBERS), ("post", UPSERT)])
def test_a_non_staff_token_answers_403(django_user_model, method, url):
    shopper = django_user_model.objects.create_user("shopper", password="shopper-pass-123")

    response = getattr(token_client(shopper), method)(url, {"phone": "13800138000"}, format="json")

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert not Member.objects.exists()


# --- Listing -----------------------------------------------------------------------------------


def test_list_shows_members_with_store_and_clerk_codes(api, store):
    clerk = StaffFactory(store=store, staff_code="SH01-C1", display_name="李娜")
    member = member_create(
        phone="13800138000", external_id="CRM-1", nickname="王女士", joined_via="clerk_qr"
    )
    member_touch(member=member, clerk=clerk, source="test")

    response = api.get(MEMBERS)

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    row = body["results"][0]
    assert {k: v for k, v in row.items() if k != "joined_at"} == {
        "member_code": member.member_code,
        "phone": "13800138000",
        "external_id": "CRM-1",
        "nickname": "王女士",
        "tier": "potential",
        "points_balance": 0,
        "home_store": "sh01",
        "bound_clerk": "SH01-C1",
        "joined_via": "clerk_qr",
    }
    assert row["joined_at"]


def test_list_filters_by_phone_external_id_and_member_code(api):
    first = member_create(phone="13800138000", external_id="CRM-1")
    second = member_create(phone="13900139000", external_id="CRM-2")

    assert codes(api.get(MEMBERS, {"phone": "+86 139-0013-9000"})) == [second.member_code]
    assert codes(api.get(MEMBERS, {"external_id": "CRM-1"})) == [first.member_code]
    assert codes(api.get(MEMBERS, {"member_code": second.member_code.lower()})) == [
        second.member_code
    ]
    assert codes(api.get(MEMBERS, {"external_id": "CRM-1", "phone": "13900139000"})) == []
    assert codes(api.get(MEMBERS, {"external_id": "nobody"})) == []


def test_joined_since_returns_only_members_who_joined_since(api):
    now = timezone.now()
    old = member_create(phone="13800138000", joined_at=now - timedelta(days=10))
    recent = member_create(phone="13900139000", joined_at=now - timedelta(hours=1))

    since = (now - timedelta(days=1)).isoformat()
    response = api.get(MEMBERS, {"joined_since": since})

    assert codes(response) == [recent.member_code]
    assert old.member_code not in codes(response)


def test_list_pages_with_limit_and_offset_in_a_stable_order(api):
    same_instant = timezone.now()
    members = [member_create(phone=f"1380013800{i}", joined_at=same_instant) for i in range(5)]

    pages = [api.get(MEMBERS, {"limit": 2, "offset": offset}).json() for offset in (0, 2, 4)]

    assert pages[0]["count"] == 5 and pages[0]["next"] and pages[2]["next"] is None
    # Equal join times: the id breaks the tie, so pages neither repeat nor skip members.
    assert [r["member_code"] for page in pages for r in page["results"]] == [
        m.member_code for m in members
    ]


def test_list_reads_a_page_in_a_fixed_number_of_queries(api, django_assert_max_num_queries):
    for i in range(10):
        store = StoreFactory()
        member = member_create(phone=f"138001380{i:02d}")
        member_touch(member=member, clerk=StaffFactory(store=store), source="test")

    # Token lookup, count, page: not one query per row for stores or clerks.
    with django_assert_max_num_queries(3):
        response = api.get(MEMBERS)

    assert response.json()["count"] == 10


@pytest.mark.parametrize(
    "params, code",
    [
        ({"joined_since": "last week"}, "invalid"),
        ({"phone": "12345"}, "invalid_phone"),
    ],
)
def test_bad_filters_answer_400_with_a_code(api, params, code):
    response = api.get(MEMBERS, params)

    assert response.status_code == 400
    assert response.json()["code"] == code


# --- Upsert ------------------------------------------------------------------------------------


def test_upsert_creates_a_member_joined_via_pos_with_her_home_store(api, store):
    response = upsert(
        api,
        {
            "phone": "+86 138 0013 8000",
            "external_id": "CRM-1",
            "nickname": "王女士",
            "home_store": "sh01",
        },
    )

    assert response.status_code == 201, response.json()
    member = Member.objects.get()
    body = response.json()
    assert body["member_code"] == member.member_code
    assert (body["phone"], body["external_id"], body["nickname"], body["home_store"]) == (
        "13800138000",
        "CRM-1",
        "王女士",
        "sh01",
    )
    assert member.joined_via == Member.JoinedVia.POS and member.home_store == store
    assert BindingChange.objects.get().reason == BindingChange.Reason.HOME_STORE


def test_upsert_by_external_id_updates_the_nickname_and_fills_a_missing_phone(api):
    member = member_create(external_id="CRM-1", nickname="旧名")

    response = upsert(api, {"external_id": "CRM-1", "phone": "13800138000", "nickname": "新名"})

    assert response.status_code == 200
    member.refresh_from_db()
    assert (member.phone, member.nickname) == ("13800138000", "新名")
    assert response.json()["member_code"] == member.member_code
    assert Member.objects.count() == 1


def test_upsert_by_phone_fills_a_missing_external_id_and_keeps_a_blank_nickname_out(api):
    member = member_create(phone="13800138000", nickname="王女士")

    response = upsert(api, {"phone": "13800138000", "external_id": "CRM-9", "nickname": ""})

    assert response.status_code == 200
    member.refresh_from_db()
    assert (member.external_id, member.nickname) == ("CRM-9", "王女士")


def test_the_external_id_is_matched_before_the_phone(api):
    by_external_id = member_create(external_id="CRM-1")
    member_create(phone="13900139000")

    response = upsert(api, {"external_id": "CRM-1", "nickname": "王女士"})

    assert response.status_code == 200
    assert response.json()["member_code"] == by_external_id.member_code


def test_upsert_sets_the_home_store_only_when_missing(api, store):
    first_home = StoreFactory(code="sh00")
    member = member_create(phone="13800138000", home_store=first_home)

    response = upsert(api, {"phone": "13800138000", "home_store": "sh01"})

    assert response.status_code == 200
    assert response.json()["home_store"] == "sh00"
    member.refresh_from_db()
    assert member.home_store == first_home
    assert not BindingChange.objects.exists()


def test_the_same_upsert_twice_without_a_key_creates_once(api):
    body = {"phone": "13800138000", "nickname": "王女士"}

    first, second = upsert(api, body), upsert(api, body)

    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json() == second.json()
    assert Member.objects.count() == 1


def test_a_phone_of_another_member_answers_409_and_writes_nothing(api):
    member_create(external_id="CRM-1")
    member_create(phone="13800138000")
    before = written()

    response = upsert(api, {"external_id": "CRM-1", "phone": "13800138000", "nickname": "x"})

    assert response.status_code == 409
    assert response.json()["code"] == "duplicate_member"
    assert written() == before


def test_a_different_identity_than_hers_answers_409_identity_mismatch(api):
    member_create(external_id="CRM-1", phone="13800138000")
    member_create(phone="13900139000", external_id="CRM-2")
    before = written()

    other_phone = upsert(api, {"external_id": "CRM-1", "phone": "13700137000"})
    other_external_id = upsert(api, {"phone": "13900139000", "external_id": "CRM-3"})

    assert other_phone.status_code == other_external_id.status_code == 409
    assert other_phone.json()["code"] == other_external_id.json()["code"] == "identity_mismatch"
    assert written() == before


@pytest.mark.parametrize(
    "body, code",
    [
        ({}, "invalid"),
        ({"nickname": "王女士"}, "invalid"),
        ({"phone": ""}, "invalid"),
        ({"external_id": "x" * 65}, "invalid"),
        ({"phone": "12345"}, "invalid_phone"),
        ({"phone": "23800138000", "external_id": "CRM-1"}, "invalid_phone"),
        ({"phone": "13800138000", "home_store": "nowhere"}, "unknown_store"),
        ({"phone": "13800138000", "home_store": "closed"}, "inactive_store"),
        ({"external_id": "CRM-1", "home_store": "nowhere"}, "unknown_store"),
    ],
)
def test_bad_upserts_answer_400_and_write_nothing(api, body, code):
    StoreFactory(code="closed", is_active=False)
    member_create(external_id="CRM-1")
    before = written()

    response = upsert(api, body)

    assert response.status_code == 400, response.json()
    assert response.json()["code"] == code
    assert response.json()["detail"]
    assert written() == before


def test_a_form_encoded_body_is_refused(api):
    response = api.post(UPSERT, {"phone": "13800138000"})

    assert response.status_code == 415
    assert not Member.objects.exists()


# --- Idempotency-Key ---------------------------------------------------------------------------


def test_a_repeated_key_returns_the_first_response_and_writes_once(api, store):
    body = {"phone": "13800138000", "nickname": "王女士", "home_store": "sh01"}

    first = upsert(api, body, key="crm-sync-1")
    repeat = upsert(api, dict(reversed(list(body.items()))), key="crm-sync-1")

    assert first.status_code == repeat.status_code == 201
    assert repeat.json() == first.json()
    assert repeat["Idempotent-Replayed"] == "true"
    assert Member.objects.count() == 1 and BindingChange.objects.count() == 1


def test_a_key_reused_for_another_body_answers_409_and_writes_nothing(api):
    upsert(api, {"phone": "13800138000"}, key="crm-sync-1")
    before = written()

    response = upsert(api, {"phone": "13900139000"}, key="crm-sync-1")

    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_key_reused"
    assert written() == before


def test_a_refused_upsert_is_replayed_under_its_key(api):
    member_create(external_id="CRM-1")
    member_create(phone="13800138000")
    body = {"external_id": "CRM-1", "phone": "13800138000"}

    first = upsert(api, body, key="k-1")
    repeat = upsert(api, body, key="k-1")

    assert first.status_code == repeat.status_code == 409
    assert repeat.json() == first.json()
    assert IdempotencyRecord.objects.count() == 1


# --- Concurrency -------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_concurrent_upserts_of_a_new_member_create_her_once(crm_user):
    threads_count = 5
    barrier = threading.Barrier(threads_count)
    token = Token.objects.create(user=crm_user)
    results, errors = [], []

    def send(index):
        try:
            client = APIClient()
            client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
            barrier.wait(timeout=10)
            # Without a key: the unique phone and external id make the race safe on their own.
            response = upsert(
                client, {"phone": "13800138000", "external_id": "CRM-1", "nickname": f"n{index}"}
            )
            results.append((response.status_code, response.json()["member_code"]))
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(i,)) for i in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert not errors
    assert len(results) == threads_count
    assert sorted(status for status, _ in results) == [200] * (threads_count - 1) + [201]
    member = Member.objects.get()
    assert {code for _, code in results} == {member.member_code}
    assert (member.phone, member.external_id) == ("13800138000", "CRM-1")


# --- OpenAPI -----------------------------------------------------------------------------------


def test_the_schema_documents_the_member_endpoints_and_the_idempotency_header():
    response = APIClient().get("/api/schema/", {"format": "json"})

    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "get" in paths["/api/v1/members/"]
    operation = paths["/api/v1/members/upsert/"]["post"]
    assert any(
        parameter["in"] == "header" and parameter["name"] == "Idempotency-Key"
        for parameter in operation["parameters"]
    )
    assert {"200", "201", "400", "409"} <= set(operation["responses"])
