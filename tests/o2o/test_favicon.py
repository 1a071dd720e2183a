"""A favicon for every page: linked from both layouts, and at /favicon.ico where browsers look."""

import pytest
from django.contrib.staticfiles import finders

pytestmark = pytest.mark.django_db


def test_favicon_ico_is_served(client):
    response = client.get("/favicon.ico")

    assert response.status_code == 301
    assert response["Location"] == "/static/favicon.ico"
    with open(finders.find("favicon.ico"), "rb") as icon:
        assert icon.read(4) == b"\x00\x00\x01\x00"  # an ICO file


@pytest.mark.parametrize("path", ["/", "/staff/login/"])
def test_both_layouts_link_the_icon(client, path):
    html = client.get(path).content.decode()

    assert '<link rel="icon" href="/static/img/favicon.svg"' in html
    assert '<link rel="icon" href="/static/favicon.ico"' in html
    assert finders.find("img/favicon.svg")
