"""Her saved delivery addresses (/m/addresses/): a refused address shows the page again with
what she typed and why, and saves nothing; the phone is a mainland mobile number."""

import pytest

from members.models import Address
from members.services.addresses import address_save
from tests.orders.shopper_helpers import log_in

pytestmark = pytest.mark.django_db

GOOD = {"name": "李", "phone": "13912345678", "address": "南京西路 1 号", "lat": "31.229"}
GOOD["lng"] = "121.448"


@pytest.mark.parametrize(
    "bad, said",
    [
        ({"phone": "139"}, "Enter a mainland China mobile number"),
        ({"phone": "12912345678"}, "Enter a mainland China mobile number"),
        ({"phone": "1391234567x"}, "Enter a mainland China mobile number"),
        ({"phone": ""}, "This field is required."),
        ({"name": "  "}, "This field is required."),
        ({"address": "x" * 201}, "at most 200 characters"),
        ({"lat": "inf"}, "Choose the address&#x27;s place on the map"),
    ],
)
def test_a_refused_address_keeps_what_she_typed_and_says_why(client, shop, bad, said):
    log_in(client, shop.member)

    response = client.post("/m/addresses/new/", {**GOOD, "label": "家", **bad})

    page = response.content.decode()
    assert response.status_code == 400 and said in page
    assert 'value="家"' in page
    assert 'value="南京西路 1 号"' in page or "address" in bad
    assert not Address.objects.exists()


def test_an_address_saves_her_number_in_its_plain_form(client, shop):
    log_in(client, shop.member)

    response = client.post("/m/addresses/new/", {**GOOD, "phone": "+86 139-1234-5678"})

    assert response.status_code == 302
    assert Address.objects.get().phone == "13912345678"


def test_editing_shows_the_saved_address_and_changes_it(client, shop):
    saved = address_save(
        member=shop.member,
        name="李",
        phone="13912345678",
        address="公司",
        latitude=31.23,
        longitude=121.45,
    )
    log_in(client, shop.member)

    page = client.get(f"/m/addresses/{saved.pk}/").content.decode()
    response = client.post(f"/m/addresses/{saved.pk}/", {**GOOD, "address": "家里"})

    assert 'value="公司"' in page and 'value="13912345678"' in page and "31.23" in page
    assert response.status_code == 302
    saved.refresh_from_db()
    assert saved.address == "家里"


def test_a_refusal_from_the_address_service_reads_in_her_language(client, shop, settings):
    """The service's own refusals (no map point, too many addresses) are translated too."""
    settings.LANGUAGE_CODE = "zh-hans"
    log_in(client, shop.member)

    response = client.post("/m/addresses/new/", {**GOOD, "lat": "inf"})

    page = response.content.decode()
    assert response.status_code == 400 and "请在地图上选择地址的位置" in page
    assert "Choose the address" not in page
