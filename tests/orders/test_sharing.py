"""Share links: ?r=<referral code> on the product page records a visit once (the page's order
actions fragment does it) and the next order names the sharer."""

import pytest
from django.urls import reverse

from members.models import ShareVisit
from members.services.accounts import member_get_or_create_by_phone
from orders.models import Order
from orders.services.cart import cart_get_or_create, cart_line_add
from tests.orders.shopper_helpers import log_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def sharer(db):
    member, _ = member_get_or_create_by_phone(phone="13600136000")
    return member


def actions_url(code="dress"):
    """The product page's order actions, which it loads with its own query (?sku=, ?r=)."""
    return reverse("orders:product_actions", args=[code])


def test_the_product_page_share_link_carries_the_members_code(client, shop):
    log_in(client, shop.member)

    page = client.get(actions_url()).content.decode()

    assert f"?r={shop.member.referral_code}" in page
    assert f'data-share-referral="{shop.member.referral_code}"' in page


def test_a_visit_is_recorded_once_per_session_and_product(client, shop, sharer):
    url = actions_url()
    for _ in range(3):
        assert client.get(url, {"r": sharer.referral_code}).status_code == 200

    visit = ShareVisit.objects.get()
    assert (visit.sharer, visit.product, visit.visitor) == (sharer, shop.product, None)
    assert visit.visitor_session == client.session.session_key


def test_unknown_codes_and_self_visits_are_ignored(client, shop):
    log_in(client, shop.member)
    url = actions_url()

    client.get(url, {"r": "NOSUCHCODE"})
    client.get(url, {"r": shop.member.referral_code})

    assert not ShareVisit.objects.exists()
    assert "shared_by" not in client.session


def test_an_order_placed_afterwards_carries_the_sharer(client, shop, sharer):
    log_in(client, shop.member)
    client.get(actions_url(), {"r": sharer.referral_code})
    cart_line_add(cart=cart_get_or_create(member=shop.member), sku=shop.sku_m)

    client.post(reverse("orders:checkout"), {"fulfillment": "pickup", "store": shop.store.pk})

    order = Order.objects.get()
    assert order.shared_by == sharer
    assert ShareVisit.objects.get().visitor == shop.member


def test_a_visitor_who_logs_in_later_still_credits_the_sharer(client, shop, sharer, settings):
    settings.DEMO_MODE = True
    client.get(actions_url(), {"r": sharer.referral_code})
    client.post(reverse("orders:cart_add"), {"sku": "dress-m", "quantity": 1})
    client.post(reverse("members:login_demo"), {"member": shop.member.pk})

    client.post(reverse("orders:checkout"), {"fulfillment": "pickup", "store": shop.store.pk})

    assert Order.objects.get().shared_by == sharer


def test_sharing_to_oneself_is_ignored_at_the_order(client, shop):
    # Shared by the member while a visitor, then she logs in as herself and buys.
    session = client.session
    session["shared_by"] = shop.member.pk
    session.save()
    log_in(client, shop.member)
    cart_line_add(cart=cart_get_or_create(member=shop.member), sku=shop.sku_m)

    client.post(reverse("orders:checkout"), {"fulfillment": "pickup", "store": shop.store.pk})

    assert Order.objects.get().shared_by is None
