"""Stores API (DESIGN §5): the ERP lists, creates and updates stores by code."""

import pytest

from stores.models import Region, Store
from tests.api import token_client

pytestmark = pytest.mark.django_db
STORES = "/api/v1/stores/"


@pytest.fixture
def api(django_user_model):
    Region.objects.create(code="sh", name="上海")
    return token_client(django_user_model.objects.create_user("erp", is_staff=True))


def new_store(**changes):
    return {
        "code": "sh09",
        "name": "静安店",
        "region": "sh",
        "city": "上海",
        "address": "南京西路 1515 号",
        "latitude": "31.226700",
        "longitude": "121.448600",
        "opening_hours": {"mon": ["10:00", "22:00"], "sun": None},
        **changes,
    }


def test_the_erp_creates_then_updates_a_store_by_code(api):
    created = api.post(STORES, new_store(), format="json", HTTP_IDEMPOTENCY_KEY="s1")
    replay = api.post(STORES, new_store(), format="json", HTTP_IDEMPOTENCY_KEY="s1")
    twice = api.post(STORES, new_store(), format="json")
    updated = api.patch(
        f"{STORES}sh09/", {"delivers": True, "delivery_radius_km": "5.5"}, format="json"
    )

    assert created.status_code == replay.status_code == 201
    assert (twice.status_code, twice.json()["code"]) == (409, "store_exists")
    assert updated.status_code == 200
    store = Store.objects.get(code="sh09")
    assert store.delivers and str(store.delivery_radius_km) == "5.50"
    assert store.opening_hours["mon"] == ["10:00", "22:00"]


def test_bad_input_is_400_and_writes_nothing(api):
    for body in (
        new_store(region="nowhere"),
        new_store(latitude="91"),
        new_store(opening_hours={"mon": ["10:00", "10:00"]}),
        new_store(code="has space"),
    ):
        response = api.post(STORES, body, format="json")
        assert response.status_code == 400, body
    assert api.post(STORES, new_store(region="nowhere"), format="json").json()["code"] == (
        "unknown_region"
    )
    assert not Store.objects.exists()
    assert api.patch(f"{STORES}nope/", {"delivers": True}, format="json").status_code == 404


def test_stores_page_by_cursor(api):
    for number in range(3):
        api.post(STORES, new_store(code=f"s{number}"), format="json")
    first = api.get(f"{STORES}?limit=2").json()
    second = api.get(first["next"]).json()
    assert [s["code"] for s in first["results"] + second["results"]] == ["s0", "s1", "s2"]
    assert second["next"] is None
