"""No input gives a 5xx (DESIGN §6): a control character in the path, the query or a form answers
400 before any view runs (o2o.request_guard), in the layout of the page's audience, and changes
nothing."""

import pytest
from django.test import Client

from members.models import ShareVisit
from o2o.request_guard import has_control_characters, has_path_control_characters
from orders.models import CartLine
from tests.api import token_client
from tests.stores.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("who", "path"),
    [
        ("member", "/orders/%00/"),
        ("member", "/orders/%00/receipt/"),
        ("anonymous", "/cart/shared/%00/"),
        ("clerk", "/staff/orders/%00/"),
        ("member", "/pay/sandbox/%00/"),
    ],
)
def test_nul_in_a_path_answers_400_not_500(request, chain, who, path):
    client = Client() if who == "anonymous" else request.getfixturevalue(f"{who}_client")

    response = client.get(path)

    assert response.status_code == 400


def test_nul_in_the_query_answers_400_and_records_no_share_visit(chain):
    response = Client().get(f"/p/{chain.product.code}/", {"r": "\x00"})

    assert response.status_code == 400
    assert not ShareVisit.objects.exists()


def test_a_control_character_in_a_form_answers_400_and_changes_nothing(chain):
    client = Client()

    response = client.post("/cart/add/", {"sku": chain.sku.code, "next": "/cart/\x01"})

    assert response.status_code == 400
    assert not CartLine.objects.filter(cart__session_key__isnull=False).exists()


def test_a_control_character_in_a_form_key_answers_400(member_client):
    response = member_client.post("/m/logout/", {"x\x00": "1"})

    assert response.status_code == 400


def test_line_breaks_and_tabs_in_a_form_are_text_not_an_attack(member_client):
    response = member_client.post(
        "/cart/add/", {"sku": "no-such-sku", "quantity": "1", "note": "line 1\r\n\tline 2"}
    )

    assert response.status_code == 404  # the unknown SKU, not the line breaks


def test_the_400_page_has_the_shopper_layout_for_shopper_pages(chain):
    response = Client().get("/p/x%00/")

    assert response.status_code == 400
    html = response.content.decode()
    assert '<body class="shopper' in html
    assert "Bad request" in html
    assert "\x00" not in html


def test_the_400_page_has_the_back_office_layout_under_staff(clerk_client):
    response = clerk_client.get("/staff/orders/%00/")

    assert response.status_code == 400
    assert '<body class="backoffice' in response.content.decode()


def test_the_api_answers_a_json_400(chain):
    client = token_client(UserFactory(is_staff=True))

    response = client.get("/api/v1/orders/%00/")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


@pytest.mark.parametrize("text", ["a\x00b", "\x01", "\x1b[31m", "\x7f"])
def test_control_characters_are_recognised(text):
    assert has_control_characters(text)
    assert has_path_control_characters(text)


@pytest.mark.parametrize("text", ["", "普通文本", "line\nbreak", "tab\there", "\u202e😀"])
def test_text_is_not_mistaken_for_control_characters(text):
    assert not has_control_characters(text)
