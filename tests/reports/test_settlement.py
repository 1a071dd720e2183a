"""Franchise settlement: a statement ties out to the fen with the orders and refunds behind it,
is frozen once issued (a later refund lands in the next month), and moves only along its
transition table."""

from __future__ import annotations

from datetime import date

import pytest

from o2o.errors import Conflict
from orders.models import Order
from reports.models import SettlementEvent, SettlementPolicy, SettlementStatement
from reports.services.settlement import (
    InvalidSettlement,
    settled_orders,
    settled_refunds,
    share,
    statement_issue,
    statement_prepare,
    statement_transition,
)
from stores.models import Store
from tests.reports.synthetic import at, order_make, refund_make

pytestmark = pytest.mark.django_db
MARCH = date(2026, 3, 1)
State = SettlementStatement.State


@pytest.fixture
def franchise(shop):
    """sh01 is a franchise store; in March it sells 3 platform orders (one fulfilled by sh02),
    fulfils one of sh02's, and has a POS sale (not settled) and a refund."""
    Store.objects.filter(pk=shop.store.pk).update(kind=Store.Kind.FRANCHISE)
    shop.store.refresh_from_db()
    SettlementPolicy.objects.update_or_create(
        pk=1,
        defaults={"platform_fee_bp": 500, "fulfilment_fee_bp": 1000, "coupon_store_share_bp": 5000},
    )
    shop.own = order_make(shop, paid_at=at(MARCH, 10), amount=59900, discount=999)
    order_make(shop, paid_at=at(date(2026, 3, 31), 23, 59), amount=15900)
    order_make(
        shop,
        paid_at=at(date(2026, 3, 12), 9),
        amount=30000,
        channel=Order.Channel.H5,
        fulfillment=Order.Fulfillment.DELIVERY,
        fulfilling_store=shop.other_store,
    )
    order_make(
        shop,
        paid_at=at(date(2026, 3, 13), 9),
        amount=20000,
        channel=Order.Channel.H5,
        fulfillment=Order.Fulfillment.PICKUP,
        credited_store=shop.other_store,
        fulfilling_store=shop.store,
    )
    order_make(shop, paid_at=at(date(2026, 3, 14), 9), amount=88800, channel=Order.Channel.POS)
    order_make(shop, paid_at=at(date(2026, 4, 1), 0, 1), amount=99900)  # April
    refund_make(shop.own, amount=10000, completed_at=at(date(2026, 3, 20), 10))
    return shop


def test_a_statement_ties_out_to_the_fen_with_the_orders_behind_it(franchise):
    statement = statement_prepare(store=franchise.store, month=date(2026, 3, 17))

    store = franchise.store
    orders = list(settled_orders(store, MARCH))
    refunds = list(settled_refunds(store, MARCH))
    credited = [o for o in orders if o.credited_store_id == store.pk]
    credited_net = sum(o.total_amount for o in credited) - sum(
        r.amount for r in refunds if r.order.credited_store_id == store.pk
    )
    assert statement.month == MARCH and statement.state == State.DRAFT
    assert statement.credited_sales == 58901 + 15900 + 30000
    assert statement.credited_net == credited_net == 58901 + 15900 + 30000 - 10000
    assert statement.fulfilled_for_others == 20000
    assert statement.fulfilled_by_others == 30000
    assert statement.discounts == 999 and statement.coupon_cost == 499
    assert statement.platform_fee == share(credited_net, 500) == 4740
    assert (statement.fulfilment_fees_earned, statement.fulfilment_fees_paid) == (2000, 3000)
    assert statement.net_due == credited_net - 4740 + 2000 - 3000 + (999 - 499) - 0
    assert SettlementEvent.objects.get(statement=statement).kind == "prepared"


def test_an_issued_statement_is_frozen_and_a_later_refund_goes_into_the_next_month(franchise):
    statement = statement_prepare(store=franchise.store, month=MARCH)
    issued = statement_issue(statement=statement)
    net = issued.net_due

    refund_make(franchise.own, amount=5000, completed_at=at(date(2026, 4, 2), 10))

    with pytest.raises(Conflict):
        statement_prepare(store=franchise.store, month=MARCH)
    issued.refresh_from_db()
    assert issued.net_due == net and issued.state == State.CONFIRMED
    april = statement_prepare(store=franchise.store, month=date(2026, 4, 1))
    assert (april.credited_sales, april.credited_refunds) == (99900, 5000)


def test_the_state_moves_only_along_the_table(franchise):
    statement = statement_prepare(store=franchise.store, month=MARCH)

    with pytest.raises(InvalidSettlement):
        statement_transition(statement=statement, to_state=State.PAID)
    issued = statement_transition(statement=statement, to_state=State.CONFIRMED)
    again = statement_transition(statement=issued, to_state=State.CONFIRMED)
    paid = statement_transition(statement=issued, to_state=State.PAID, note="bank ref 123")
    with pytest.raises(InvalidSettlement):
        statement_transition(statement=paid, to_state=State.DRAFT)

    assert again.state == State.CONFIRMED and paid.state == State.PAID
    kinds = list(statement.events.values_list("kind", "from_state", "to_state"))
    assert kinds == [
        ("prepared", "", "draft"),
        ("confirmed", "draft", "confirmed"),
        ("paid", "confirmed", "paid"),
    ]


def test_only_franchise_stores_and_begun_months_are_settled(franchise):
    with pytest.raises(InvalidSettlement):
        statement_prepare(store=franchise.other_store, month=MARCH)
    with pytest.raises(InvalidSettlement):
        statement_prepare(store=franchise.store, month=date(2999, 1, 1))
    running = statement_prepare(store=franchise.store, month=date.today())
    with pytest.raises(InvalidSettlement):
        statement_transition(statement=running, to_state=State.CONFIRMED)


def test_preparing_twice_gives_the_same_statement(franchise):
    first = statement_prepare(store=franchise.store, month=MARCH)
    second = statement_prepare(store=franchise.store, month=MARCH)

    assert first.pk == second.pk and first.net_due == second.net_due
    assert SettlementStatement.objects.count() == 1
    assert first.events.count() == 1  # nothing changed: no recompute event


def test_hq_prepares_issues_and_settles_through_the_pages(client, franchise):
    from django.urls import reverse

    from stores.models import Staff
    from tests.backoffice.stock_fixtures import staff_make

    client.force_login(staff_make("HQ-1", franchise.store, role=Staff.Role.HQ).user)
    client.post(reverse("reports_backoffice:settlements_prepare"), {"month": "2026-03"})
    statement = SettlementStatement.objects.get(store=franchise.store, month=MARCH)
    move = reverse("reports_backoffice:statement_move", args=[statement.pk])

    client.post(move, {"to": "confirmed"})
    client.post(move, {"to": "paid", "note": "bank ref 42"})
    bad = client.post(move, {"to": "draft"}, follow=True)

    statement.refresh_from_db()
    assert statement.state == State.PAID
    assert statement.events.last().note == "bank ref 42"
    assert "Choose what to do with the statement." in bad.content.decode()
    page = client.get(reverse("reports_backoffice:settlements"), {"month": "2026-03"})
    assert page.context["statements"] == [statement]


def test_the_manager_downloads_her_statement_as_a_pdf_in_chinese(client, franchise):
    from django.urls import reverse

    from o2o.money import format_yuan
    from tests.reports.pdf_text import pdf_strings

    statement = statement_issue(statement=statement_prepare(store=franchise.store, month=MARCH))
    client.force_login(franchise.manager.user)
    url = reverse("statements_backoffice:pdf", args=[statement.pk])

    page = client.get(reverse("statements_backoffice:detail", args=[statement.pk]))
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert url in page.content.decode()
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="statement-sh01-2026-03.pdf"'
    assert response.content.startswith(b"%PDF-")
    shown = pdf_strings(response.content)
    assert "结算单 2026-03 (已发放)" in shown
    assert "sh01 店 (sh01)" in shown
    assert "业绩销售额" in shown and "总部应付门店" in shown
    # The figures as the page shows them, without the ¥ sign (not in the CJK font).
    for fen in (statement.credited_sales, -statement.platform_fee, statement.net_due):
        assert format_yuan(fen, symbol="") in shown, fen
    assert franchise.own.number in shown
    assert "-100.00" in shown  # the refund


def test_other_stores_and_clerks_get_no_statement_pdf(client, franchise):
    from django.urls import reverse

    from stores.models import Staff
    from tests.backoffice.stock_fixtures import staff_make

    statement = statement_issue(statement=statement_prepare(store=franchise.store, month=MARCH))
    draft = statement_prepare(store=franchise.store, month=date(2026, 4, 1))
    url = reverse("statements_backoffice:pdf", args=[statement.pk])

    client.force_login(staff_make("SH02-M", franchise.other_store, role=Staff.Role.MANAGER).user)
    assert client.get(url).status_code == 404
    client.force_login(franchise.clerk.user)
    assert client.get(url).status_code == 403
    client.force_login(franchise.manager.user)
    assert client.get(reverse("statements_backoffice:pdf", args=[draft.pk])).status_code == 404
    assert client.get(url).status_code == 200


def test_hq_downloads_any_statement_pdf_from_the_admin(admin_client, client, franchise):
    from django.contrib.auth import get_user_model
    from django.urls import reverse

    from tests.reports.pdf_text import pdf_strings

    draft = statement_prepare(store=franchise.store, month=MARCH)
    url = reverse("admin:reports_settlementstatement_pdf", args=[draft.pk])

    listing = admin_client.get(reverse("admin:reports_settlementstatement_changelist"))
    response = admin_client.get(url)

    assert url in listing.content.decode()
    assert response.status_code == 200 and response.content.startswith(b"%PDF-")
    assert "Statement 2026-03 (Draft)" in pdf_strings(response.content)
    staff_user = get_user_model().objects.create_user("desk", password="x", is_staff=True)
    client.force_login(staff_user)
    assert client.get(url).status_code == 403
