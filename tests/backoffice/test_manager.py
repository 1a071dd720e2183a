"""The manager's page: the store's sales per period, a chart fed by JSON (no inline script), the
refunds, the team with its sales and bound customers, the stock under its reorder point."""

import json
import re

import pytest
from django.urls import reverse

from inventory.services import stock_sell
from members.services.accounts import member_get_or_create_by_phone
from orders.models import Order, Refund
from orders.services.checkout import Line
from stores.models import Staff
from tests.orders.placing import F, pay, place

pytestmark = pytest.mark.django_db
DESK = reverse("manager_backoffice:desk")


@pytest.fixture
def trading(shop):
    """Given two paid orders at sh01 (one online pickup, one in store), a refund, a customer bound
    to the clerk, and the dress-m sold out of its stock lately."""
    online = pay(place(shop, F.PICKUP, lines=[Line(shop.sku_m, 1)]))
    in_store = pay(place(shop, lines=[Line(shop.sku_l, 1)]))
    Order.objects.filter(pk=in_store.pk).update(credited_clerk=shop.clerk)
    Refund.objects.create(
        order=online, out_refund_no="R-TEST-1", amount=100, reason="线头", created_by=None
    )
    member, _ = member_get_or_create_by_phone(phone="13900139111")
    member.bound_clerk = shop.clerk
    member.save(update_fields=["bound_clerk"])
    stock_sell(store=shop.store, lines=[(shop.sku_m.pk, 2)], reference="pos:1")
    return online, in_store


def test_the_manager_sees_sales_team_refunds_and_low_stock(shop, client, trading):
    online, in_store = trading
    client.force_login(shop.manager.user)

    response = client.get(DESK)

    assert response.status_code == 200
    context = response.context
    today = dict(context["periods"])["Today"]
    total = online.total_amount + in_store.total_amount
    assert (today.credited, today.fulfilled, today.credited_orders) == (total, total, 2)
    assert today.online == online.total_amount
    chart = context["chart"]
    assert len(chart["labels"]) == 30 and chart["credited"][-1] == total
    team = {person.staff_code: person for person in context["team"]}
    assert (team["SH01-C1"].sales, team["SH01-C1"].bound_count) == (in_store.total_amount, 1)
    assert [refund.out_refund_no for refund in context["refunds"]] == ["R-TEST-1"]
    # Both sizes sold lately and hold little: under the default reorder point, furthest first.
    below = context["below_reorder_point"]
    assert [level.sku.code for level in below] == ["dress-m", "dress-l"]
    assert all(level.position < level.reorder_point for level in below)
    html = response.content.decode()
    assert "R-TEST-1" not in html  # refunds are listed by order, not by their internal number
    assert online.number in html and "线头" in html


def test_the_chart_data_is_json_and_every_script_is_a_file(shop, client, trading):
    client.force_login(shop.manager.user)

    html = client.get(DESK).content.decode()

    data = re.search(r'<script id="sales-chart-data" type="application/json">(.*?)</script>', html)
    assert data is not None
    assert json.loads(data.group(1))["names"] == {"credited": "Credited", "fulfilled": "Fulfilled"}
    scripts = re.findall(r"<script([^>]*)>", html)
    code_scripts = [attrs for attrs in scripts if 'type="application/json"' not in attrs]
    assert code_scripts and all("src=" in attrs for attrs in code_scripts)
    assert "chartjs/chart.umd.min.js" in html and "backoffice/manager.js" in html
    assert '<canvas id="sales-chart"' in html


def test_a_clerk_is_refused_the_manager_page(shop, client):
    client.force_login(shop.clerk.user)

    response = client.get(DESK)

    assert response.status_code == 403
    assert "Your role does not allow this page." in response.content.decode()


def test_the_link_is_on_the_managers_home_only(shop, client):
    client.force_login(shop.manager.user)
    assert DESK in client.get(reverse("backoffice:home")).content.decode()
    client.force_login(shop.clerk.user)
    assert DESK not in client.get(reverse("backoffice:home")).content.decode()


def test_another_stores_manager_sees_only_her_store(shop, client, trading, django_user_model):
    other = Staff.objects.create(
        user=django_user_model.objects.create_user("sh02-m", password="pw"),
        store=shop.other_store,
        role=Staff.Role.MANAGER,
        staff_code="SH02-M",
        display_name="店长 SH02",
    )
    client.force_login(other.user)

    context = client.get(DESK).context

    assert dict(context["periods"])["Today"].credited == 0
    assert context["refunds"] == [] and context["below_reorder_point"] == []
    assert [person.staff_code for person in context["team"]] == ["SH02-C1", "SH02-M"]


def test_the_manager_page_query_count_is_pinned(
    shop, client, trading, django_assert_max_num_queries
):
    client.force_login(shop.manager.user)
    # session, user, staff + store, summary, days, refunds, team, replenishment policy,
    # levels under the reorder point
    with django_assert_max_num_queries(9):
        assert client.get(DESK).status_code == 200
