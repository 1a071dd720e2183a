"""API bodies are read by one bounded JSON parser (o2o.api_parsers.BoundedJSONParser): a body
nested too deep, too large, or holding control characters answers 400 `{"code": "invalid", ...}`
and writes nothing."""

import pytest

from members.models import Member
from o2o.api_parsers import MAX_JSON_DEPTH
from o2o.models import IdempotencyRecord
from tests.api import token_client
from tests.stores.factories import UserFactory

pytestmark = pytest.mark.django_db

UPSERT = "/api/v1/members/upsert/"


@pytest.fixture
def api():
    return token_client(UserFactory(is_staff=True))


def post_raw(api, body: str, **headers):
    return api.generic("POST", UPSERT, body, content_type="application/json", **headers)


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 5_000, 200_000])
def test_deeply_nested_json_is_invalid_input_not_a_crash(api, depth):
    body = '{"phone": "13800138000", "nickname": ' + "[" * depth + "]" * depth + "}"

    response = post_raw(api, body)

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert not Member.objects.exists()


def test_nesting_as_deep_as_the_api_documents_is_read(api):
    response = post_raw(api, '{"phone": "13800138000", "nickname": "林"}')

    assert response.status_code == 201


@pytest.mark.parametrize("text", ["a\x00b", "\x01", "\x1b[2J"])
def test_control_characters_in_json_strings_are_invalid(api, text):
    response = api.post(UPSERT, {"phone": "13800138000", "nickname": text}, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert not Member.objects.exists()


def test_a_body_past_the_upload_limit_is_invalid(api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000
    body = '{"phone": "13800138000", "nickname": "林"}' + " " * 1_000

    response = post_raw(api, body)

    assert response.status_code == 400
    assert not Member.objects.exists()


def test_malformed_json_uses_the_documented_code(api):
    response = post_raw(api, '{"phone": ')

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


def test_an_idempotency_key_with_control_characters_is_refused(api):
    response = api.post(
        UPSERT, {"phone": "13800138000"}, format="json", HTTP_IDEMPOTENCY_KEY="key\x00one"
    )

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_idempotency_key"
    assert not IdempotencyRecord.objects.exists()
    assert not Member.objects.exists()
