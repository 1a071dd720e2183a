"""New arrivals: subscribers of the category (or an ancestor) or the brand hear about it once."""

from datetime import date

import pytest
from django.urls import reverse

from members.auth import SESSION_KEY
from members.models import Notice, Subscription
from members.services.arrivals import (
    InvalidSubscription,
    new_arrival_subscribers,
    product_publish_new_arrival,
    subscription_add,
)
from tests.members.loyalty_factories import category_make, member_make, product_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree():
    baby = category_make("母婴")
    formula = category_make("奶粉", parent=baby)
    stage1 = category_make("一段", parent=formula)
    toys = category_make("玩具")
    return baby, formula, stage1, toys


def test_subscribers_by_ancestor_category_and_brand_get_one_notice(tree):
    baby, _formula, stage1, toys = tree
    both = member_make()
    subscription_add(member=both, category=baby)
    subscription_add(member=both, brand="a2")
    by_brand = member_make()
    subscription_add(member=by_brand, brand="A2")
    elsewhere = member_make()
    subscription_add(member=elsewhere, category=toys)
    subscription_add(member=elsewhere, brand="Aptamil")
    product = product_make(category=stage1, brand="a2")

    sent = product_publish_new_arrival(product=product)
    again = product_publish_new_arrival(product=product)

    notices = Notice.objects.filter(dedupe_key=f"new_arrival:{product.pk}")
    assert sent == 2 and again == 0
    assert sorted(notices.values_list("member_id", flat=True)) == sorted([both.pk, by_brand.pk])
    product.refresh_from_db()
    assert product.new_arrival_date is not None


def test_publishing_keeps_an_existing_date_and_reaches_new_subscribers(tree):
    _baby, formula, _stage1, _toys = tree
    product = product_make(category=formula, new_arrival_date=date(2026, 1, 2))
    first = member_make()
    subscription_add(member=first, category=formula)
    product_publish_new_arrival(product=product)
    later = member_make()
    subscription_add(member=later, category=formula)

    assert product_publish_new_arrival(product=product) == 1
    product.refresh_from_db()
    assert product.new_arrival_date == date(2026, 1, 2)
    assert Notice.objects.filter(member=first).count() == 1


def test_subscriber_selection_is_one_query(tree, django_assert_max_num_queries):
    _baby, formula, stage1, _toys = tree
    for _ in range(10):
        subscription_add(member=member_make(), category=formula)
    product = product_make(category=stage1)
    ancestors_depth = 3  # one lookup per level of the category tree

    with django_assert_max_num_queries(ancestors_depth + 1):
        members = list(new_arrival_subscribers(product))
    assert len(members) == 10


def test_subscription_needs_exactly_one_target(tree):
    member = member_make()
    with pytest.raises(InvalidSubscription):
        subscription_add(member=member)
    with pytest.raises(InvalidSubscription):
        subscription_add(member=member, category=tree[0], brand="a2")
    assert subscription_add(member=member, brand="a2") == subscription_add(
        member=member, brand="a2"
    )


def test_subscription_page(client, tree):
    baby = tree[0]
    product_make(category=baby, brand="Pigeon")
    member = member_make()
    session = client.session
    session[SESSION_KEY] = member.pk
    session.save()
    url = reverse("loyalty:subscriptions")

    assert client.get(url).status_code == 200
    client.post(url, {"category": baby.pk})
    client.post(url, {"brand": "Pigeon"})
    assert client.post(url, {}).status_code == 400

    subscriptions = Subscription.objects.filter(member=member)
    assert subscriptions.count() == 2
    page = client.get(url).content.decode()
    assert "Pigeon" in page and baby.name in page
    client.post(reverse("loyalty:unsubscribe", args=[subscriptions.first().pk]))
    assert subscriptions.count() == 1
