"""HQ admin: every members changelist and a change page load; actions go through services."""

from datetime import timedelta

import pytest
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse
from django.utils import timezone

from catalog.models import Product
from members.models import (
    BindingChange,
    ClerkPointsEntry,
    Member,
    MemberTag,
    Notice,
    Subscription,
    WeChatEvent,
)
from members.services import gifts
from members.services.binding import member_touch
from members.services.points import clerk_points_add
from tests.members.loyalty_factories import (
    category_make,
    gift_make,
    member_make,
    product_make,
    staff_make,
    stock_put,
    store_make,
    task_make,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def data():
    store = store_make("jingan")
    clerk = staff_make(store, name="李娜")
    member = member_make("13800138000", points=500, nickname="小美")
    member_touch(member=member, clerk=clerk, source="test")
    member.tags.add(MemberTag.objects.create(name="宝妈"))
    gift = gift_make(points=100)
    stock_put(store, gift.sku, 3)
    gifts.gift_redeem(member=member, gift=gift, store=store)
    task_make(member=member, assignee=clerk, due=timezone.localdate(), converted_order="order:1")
    Notice.objects.create(member=member, kind="x", title="Hi", dedupe_key="x")
    Subscription.objects.create(member=member, category=category_make())
    WeChatEvent.objects.create(dedupe_key="e1", openid="o1", event="subscribe")
    clerk_points_add(staff=clerk, delta=10, reason="scan", reference="m1")
    return store, clerk, member


@pytest.fixture
def hq_client(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("hq", "hq@example.com", "pw"))
    return client


MEMBER_MODELS = [model for model in admin.site._registry if model._meta.app_label == "members"]


@pytest.mark.parametrize("model", MEMBER_MODELS, ids=lambda m: m._meta.model_name)
def test_changelist_and_change_page_load(hq_client, data, model):
    meta = model._meta
    changelist = hq_client.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
    assert changelist.status_code in (200, 302)  # the single policy row redirects to itself
    if changelist.status_code == 302:
        changelist = hq_client.get(changelist["Location"])
    assert changelist.status_code == 200
    obj = model.objects.order_by("pk").first()
    assert obj is not None, f"no {meta.model_name} in the fixture"
    change = hq_client.get(
        reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])
    )
    assert change.status_code == 200


def test_every_member_model_is_registered():
    names = {model._meta.model_name for model in MEMBER_MODELS}
    assert {
        "member",
        "loyaltypolicy",
        "pointsentry",
        "gift",
        "giftredemption",
        "followuptask",
        "notice",
        "subscription",
        "membertag",
        "wechatevent",
        "clerkpointsentry",
        "bindingchange",
    } <= names


def test_points_balance_is_read_only(hq_client, data):
    _store, _clerk, member = data
    page = hq_client.get(reverse("admin:members_member_change", args=[member.pk])).content.decode()
    assert 'name="points_balance"' not in page
    assert 'name="nickname"' in page


def test_move_to_clerk_action_asks_then_rebinds(hq_client, data):
    store, clerk, member = data
    other = staff_make(store, name="王芳")
    url = reverse("admin:members_member_changelist")
    post = {"action": "move_to_clerk", ACTION_CHECKBOX_NAME: [member.pk]}

    ask = hq_client.post(url, post)
    assert ask.status_code == 200 and b'name="clerk"' in ask.content
    done = hq_client.post(url, {**post, "apply": "1", "clerk": other.pk})

    assert done.status_code == 302
    member.refresh_from_db()
    assert member.bound_clerk == other
    change = BindingChange.objects.filter(member=member, reason="hq").get()
    assert change.from_clerk == clerk and change.to_clerk == other and change.actor.username == "hq"


def test_change_home_store_action(hq_client, data):
    _store, _clerk, member = data
    new_store = store_make("xuhui")
    url = reverse("admin:members_member_changelist")
    hq_client.post(
        url,
        {
            "action": "change_home_store",
            ACTION_CHECKBOX_NAME: [member.pk],
            "apply": "1",
            "store": new_store.pk,
        },
    )
    assert Member.objects.get(pk=member.pk).home_store == new_store


def test_conversion_report(hq_client, data):
    store, clerk, member = data
    wang = staff_make(store, name="王芳")
    today = timezone.localdate()
    task_make(member=member, assignee=clerk, due=today, outcome="reached")
    task_make(member=member, assignee=wang, due=today)
    task_make(member=member, assignee=wang, due=today - timedelta(days=90))  # outside the period
    url = reverse("admin:members_followuptask_conversion")

    page = hq_client.get(url, {"since": today - timedelta(days=7), "until": today})

    assert page.status_code == 200
    by_store = page.context["by_store"]
    assert by_store == [
        {
            "store__code": "jingan",
            "store__name": store.name,
            "due": 3,
            "recorded": 1,
            "converted": 1,
            "rate": pytest.approx(1 / 3),
        }
    ]
    by_clerk = {row["assignee__staff_code"]: row for row in page.context["by_clerk"]}
    assert (by_clerk[clerk.staff_code]["due"], by_clerk[clerk.staff_code]["converted"]) == (2, 1)
    assert by_clerk[wang.staff_code]["due"] == 1
    assert "33%" in page.content.decode()
    changelist = hq_client.get(reverse("admin:members_followuptask_changelist"))
    assert url in changelist.content.decode()


def test_conversion_report_date_inputs_hold_iso_dates_in_chinese(hq_client, settings):
    """A date input shows nothing unless its value is an ISO date, whatever the language."""
    settings.LANGUAGE_CODE = "zh-hans"
    today = timezone.localdate()

    page = hq_client.get(reverse("admin:members_followuptask_conversion")).content.decode()

    since = (today - timedelta(days=30)).isoformat()
    assert f'type="date" name="since" value="{since}"' in page
    assert f'type="date" name="until" value="{today.isoformat()}"' in page


def test_publish_as_new_arrival_admin_action(hq_client):
    category = category_make()
    member = member_make()
    Subscription.objects.create(member=member, category=category)
    product = product_make(category=category)

    hq_client.post(
        reverse("admin:catalog_product_changelist"),
        {"action": "publish_new_arrival", ACTION_CHECKBOX_NAME: [product.pk]},
    )

    assert Product.objects.get(pk=product.pk).new_arrival_date == timezone.localdate()
    assert Notice.objects.filter(member=member, dedupe_key=f"new_arrival:{product.pk}").exists()


def test_ledgers_are_read_only(hq_client, data):
    entry = ClerkPointsEntry.objects.first()
    page = hq_client.get(reverse("admin:members_clerkpointsentry_change", args=[entry.pk]))
    assert page.status_code == 200 and b'name="_save"' not in page.content
