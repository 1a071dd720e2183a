"""`create_api_token <username>` (DESIGN §5): prints a key that authenticates API calls."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def create_api_token(*args) -> str:
    out = StringIO()
    call_command("create_api_token", *args, stdout=out)
    return out.getvalue().strip()


def get_stock(key):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client.get("/api/v1/stock/")


@pytest.fixture
def erp(django_user_model):
    return django_user_model.objects.create_user("erp", password="erp-pass-123", is_staff=True)


def test_the_printed_key_authenticates(erp):
    key = create_api_token("erp")

    assert len(key) == 40
    assert get_stock(key).status_code == 200


def test_running_it_again_prints_the_same_key(erp):
    assert create_api_token("erp") == create_api_token("erp")


def test_rotate_replaces_the_key_and_the_old_one_stops_working(erp):
    old = create_api_token("erp")

    new = create_api_token("erp", "--rotate")

    assert new != old
    assert get_stock(old).status_code == 401
    assert get_stock(new).status_code == 200


def test_an_unknown_user_is_an_error():
    with pytest.raises(CommandError, match="no user named 'ghost'"):
        create_api_token("ghost")


def test_an_inactive_user_gets_no_token(django_user_model):
    django_user_model.objects.create_user("gone", password="gone-pass-123", is_active=False)

    with pytest.raises(CommandError, match="not active"):
        create_api_token("gone")
