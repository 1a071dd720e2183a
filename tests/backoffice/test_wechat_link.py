"""A clerk links her WeChat from the back office (OAuth against the fake WeChat), unlinks it, and
leaving the chain unlinks it."""

from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.test import Client

from members.services.binding import staff_deactivate
from stores.models import Staff
from tests.members.conftest import wechat_fake  # noqa: F401
from tests.wechat_fake import OAuthUser

pytestmark = pytest.mark.django_db
PAGE = "/staff/members/wechat/"


@pytest.fixture
def clerk_client(shop):
    client = Client()
    client.force_login(shop.clerk.user)
    return client


def link(client, fake, openid):
    """Press "Link my WeChat", let WeChat authorize (the fake), follow it back."""
    fake.authorizing_user = OAuthUser(openid=openid)
    to_wechat = client.post(f"{PAGE}link/")
    assert to_wechat.status_code == 302
    answer = requests.get(to_wechat["Location"], allow_redirects=False, timeout=5)
    back = urlsplit(answer.headers["Location"])
    return client.get(back.path, {k: v[0] for k, v in parse_qs(back.query).items()})


def test_a_clerk_links_and_unlinks_her_wechat(shop, clerk_client, wechat_fake):  # noqa: F811
    response = link(clerk_client, wechat_fake, "o-clerk-1")

    assert response.status_code == 302
    shop.clerk.refresh_from_db()
    assert shop.clerk.wechat_openid == "o-clerk-1" and shop.clerk.wechat_linked_at is not None
    assert "wechat-linked" in clerk_client.get(PAGE).content.decode()

    clerk_client.post(f"{PAGE}unlink/")
    shop.clerk.refresh_from_db()
    assert (shop.clerk.wechat_openid, shop.clerk.wechat_linked_at) == ("", None)


def test_a_forged_or_replayed_callback_links_nothing(shop, clerk_client, wechat_fake):  # noqa: F811
    code = wechat_fake.register_code("o-intruder")

    clerk_client.get(f"{PAGE}callback/", {"code": code, "state": "guessed"})

    shop.clerk.refresh_from_db()
    assert shop.clerk.wechat_openid == ""


def test_one_wechat_one_account_and_leaving_unlinks(shop, wechat_fake):  # noqa: F811
    for staff in (shop.clerk, shop.manager):
        client = Client()
        client.force_login(staff.user)
        link(client, wechat_fake, "o-same-person")
    linked = dict(Staff.objects.exclude(wechat_openid="").values_list("pk", "wechat_openid"))
    assert linked == {shop.manager.pk: "o-same-person"}

    staff_deactivate(staff=shop.manager)

    shop.manager.refresh_from_db()
    assert (shop.manager.is_active, shop.manager.wechat_openid) == (False, "")
