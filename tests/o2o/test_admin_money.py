"""Money in the admin is shown as ¥ with two decimals and typed in yuan; it is stored in fen."""

import re

import pytest
from django.contrib import admin
from django.db import models
from django.urls import reverse

from members.models import LoyaltyPolicy
from o2o.admin_money import MoneyAdminMixin, YuanField
from orders.models import Refund
from orders.services.refunds import refund_execute, refund_request
from tests.orders.placing import pay, place

pytestmark = pytest.mark.django_db

MONEY_NAME = re.compile(r"(^amount$|_amount$|price|_spend$|^discount_share$)")


def money_fields_of(model) -> set[str]:
    return {
        field.name
        for field in model._meta.get_fields()
        if isinstance(field, models.BigIntegerField) and MONEY_NAME.search(field.name)
    }


def test_every_admin_of_a_model_with_money_shows_it_in_yuan():
    unhandled = []
    for model, model_admin in admin.site._registry.items():
        inlines = [(inline.model, inline(model, admin.site)) for inline in model_admin.inlines]
        pages = [(model, model_admin), *inlines]
        for shown_model, page in pages:
            money = money_fields_of(shown_model)
            handled = set(page.money_fields) if isinstance(page, MoneyAdminMixin) else set()
            unhandled += [f"{type(page).__name__}.{name}" for name in sorted(money - handled)]
    assert unhandled == []


@pytest.fixture
def hq(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("hq-money", password="pw"))
    return client


def test_read_only_money_shows_yuan_in_lists_and_change_pages(hq, shop):
    order = pay(place(shop))
    refund = refund_execute(
        refund=refund_request(order=order, lines=None, reason="too small", actor=None)
    )
    assert refund.status == Refund.Status.SUCCEEDED
    pages = [
        reverse("admin:orders_order_changelist"),
        reverse("admin:orders_order_change", args=[order.pk]),
        reverse("admin:orders_payment_changelist"),
        reverse("admin:orders_refund_changelist"),
        reverse("admin:orders_refund_change", args=[refund.pk]),
        reverse("admin:orders_paymentnotification_changelist"),
    ]
    for url in pages:
        body = hq.get(url).content.decode()
        assert "¥599.00" in body, url
        assert "59900" not in body and "59,900" not in body, url
        assert "(fen)" not in body, url


def test_prices_are_typed_in_yuan_and_saved_in_fen(hq, shop):
    url = reverse("admin:catalog_sku_change", args=[shop.sku_m.pk])
    page = hq.get(url).content.decode()
    assert 'name="price_override" inputmode="decimal"' in page  # typed in yuan, empty: no override
    assert "price override (fen)" not in page and "price override" in page

    response = hq.post(
        url,
        {
            "product": shop.product.pk,
            "code": "dress-m",
            "color": "黑色",
            "size": "M",
            "barcode": "",
            "price_override": "¥1,299.50",
            "is_active": "on",
        },
    )

    assert response.status_code == 302
    shop.sku_m.refresh_from_db()
    assert shop.sku_m.price_override == 129950
    assert 'name="price_override" value="1299.50"' in hq.get(url).content.decode()
    assert "¥1,299.50" in hq.get(reverse("admin:catalog_sku_changelist")).content.decode()


def test_a_policy_threshold_shows_yuan_and_refuses_fractions_of_a_fen(hq):
    policy = LoyaltyPolicy.current()
    url = reverse("admin:members_loyaltypolicy_change", args=[policy.pk])
    response = hq.get(url)
    form = response.context["adminform"].form
    assert isinstance(form.fields["loyal_min_spend"], YuanField)
    assert 'value="1000.00"' in response.content.decode()  # the default, 100000 fen
    data = {name: form[name].field.prepare_value(form[name].value()) for name in form.fields}

    refused = hq.post(url, {**data, "loyal_min_spend": "12.345"})
    saved = hq.post(url, {**data, "loyal_min_spend": "1500"})

    assert refused.status_code == 200 and "at most two decimals" in refused.content.decode()
    assert saved.status_code == 302
    policy.refresh_from_db()
    assert policy.loyal_min_spend == 150000


@pytest.mark.parametrize(
    ("typed", "fen"),
    [("129.5", 12950), ("¥1,299.00", 129900), (" 0 ", 0), ("", None)],
)
def test_yuan_field_cleans_to_fen(typed, fen):
    assert YuanField(required=False).clean(typed) == fen


@pytest.mark.parametrize("typed", ["-1", "12.345", "NaN", "1e400", "abc", "\x00", "1" * 40])
def test_yuan_field_refuses_what_is_not_an_amount(typed):
    with pytest.raises(Exception) as refused:
        YuanField().clean(typed)
    assert refused.typename == "ValidationError"
