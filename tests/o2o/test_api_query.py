"""List filters and paging in the API's query strings are checked, never quietly ignored: a
blank filter or a `limit`/`offset` that is not a whole number in range is a 400 `invalid`."""

import pytest

from tests.api import token_client
from tests.stores.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return token_client(UserFactory(is_staff=True))


@pytest.mark.parametrize(
    "query",
    [
        {"offset": "true"},
        {"offset": "-1"},
        {"offset": "1e400"},
        {"limit": "0"},
        {"limit": "null"},
        {"limit": "1001"},
        {"limit": "9" * 30},
    ],
)
@pytest.mark.parametrize("path", ["/api/v1/stock/", "/api/v1/orders/", "/api/v1/members/"])
def test_paging_that_is_no_whole_number_in_range_is_invalid(api, path, query):
    response = api.get(path, query)

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/api/v1/stock/", "store"),
        ("/api/v1/stock/", "sku"),
        ("/api/v1/orders/", "store"),
        ("/api/v1/members/", "member_code"),
        ("/api/v1/members/", "external_id"),
    ],
)
def test_a_blank_filter_is_invalid_not_everything(api, path, name):
    response = api.get(path, {name: ""})

    assert response.status_code == 400
    assert name in response.json()["detail"]


def test_paging_in_range_still_pages(api):
    response = api.get("/api/v1/stock/", {"limit": "1000", "offset": "0"})

    assert response.status_code == 200
