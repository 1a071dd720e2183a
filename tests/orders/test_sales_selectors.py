"""A store's sales for its manager: credited vs fulfilled, net of refunds, per period and per day,
the online share, the team's sales and bound customers, the refunds; one query each."""

import itertools
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from members.services.accounts import member_get_or_create_by_phone
from orders.models import Order, Refund
from orders.sales_selectors import (
    period_starts,
    store_refunds_recent,
    store_sales_by_day,
    store_sales_summary,
    store_team_sales,
)
from orders.services.checkout import Line
from tests.orders.placing import F, pay, place

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
# A Wednesday: the week began on Monday 29 April, the month on Wednesday 1 May.
NOW = datetime(2030, 5, 1, 15, 0, tzinfo=SHANGHAI)
_numbers = itertools.count(1)


def sale(
    *,
    credited,
    fulfilled=None,
    at,
    total=10000,
    refunded=0,
    channel=Order.Channel.IN_STORE,
    status=Order.Status.COMPLETED,
    clerk=None,
):
    """An order row as the services leave it once paid (attribution is frozen at placement)."""
    return Order.objects.create(
        number=f"S{next(_numbers):011d}",
        channel=channel,
        fulfillment=Order.Fulfillment.IN_STORE,
        status=status,
        credited_store=credited,
        fulfilling_store=fulfilled or credited,
        credited_clerk=clerk,
        goods_amount=total,
        total_amount=total,
        refunded_amount=refunded,
        paid_at=at,
    )


def test_periods_start_at_local_midnight_monday_and_the_first():
    starts = period_starts(NOW)

    assert starts["today"] == datetime(2030, 5, 1, tzinfo=SHANGHAI)
    assert starts["week"] == datetime(2030, 4, 29, tzinfo=SHANGHAI)
    assert starts["month"] == datetime(2030, 5, 1, tzinfo=SHANGHAI)


def test_sales_per_period_credited_fulfilled_net_and_online(shop):
    here, there = shop.store, shop.other_store
    at = lambda *args: datetime(*args, tzinfo=SHANGHAI)  # noqa: E731
    sale(credited=here, at=at(2030, 5, 1, 0, 0))  # today, just after midnight
    sale(credited=here, at=at(2030, 5, 1, 14, 0), total=30000, channel=Order.Channel.H5)
    sale(credited=here, at=at(2030, 5, 1, 14, 30), total=5000, refunded=2000)  # kept 3000
    sale(credited=here, at=at(2030, 5, 1, 12, 0), refunded=10000, status=Order.Status.REFUNDED)
    # Her customer's online order, fulfilled by the other store: credited here only.
    sale(credited=here, fulfilled=there, at=at(2030, 5, 1, 9, 0), channel=Order.Channel.H5)
    # The other store's customer, fulfilled here: fulfilled here only.
    sale(credited=there, fulfilled=here, at=at(2030, 5, 1, 10, 0), total=7000)
    sale(credited=here, at=at(2030, 4, 30, 23, 59))  # this week, last month
    sale(credited=here, at=at(2030, 4, 28, 20, 0))  # last week
    sale(credited=there, at=at(2030, 5, 1, 11, 0))  # another store's sale
    Order.objects.create(  # awaiting payment: no sale yet
        number="S99999999999",
        channel=Order.Channel.IN_STORE,
        fulfillment=Order.Fulfillment.IN_STORE,
        status=Order.Status.PENDING_PAYMENT,
        credited_store=here,
        fulfilling_store=here,
        goods_amount=5000,
        total_amount=5000,
    )

    sales = store_sales_summary(store=here, now=NOW)

    today = sales["today"]
    assert (today.credited, today.credited_orders) == (10000 + 30000 + 3000 + 0 + 10000, 4)
    assert (today.fulfilled, today.fulfilled_orders) == (10000 + 30000 + 3000 + 7000, 4)
    assert today.online == 40000 and today.online_share == round(100 * 40000 / 53000)
    assert (sales["week"].credited, sales["week"].credited_orders) == (63000, 5)
    assert sales["month"] == today
    assert store_sales_summary(store=shop.other_store, now=NOW)["today"].credited == 17000


def test_no_sales_has_no_online_share(shop):
    figures = store_sales_summary(store=shop.store, now=NOW)["month"]

    assert (figures.credited, figures.online_share) == (0, None)


def test_the_real_services_credit_the_home_store_and_record_the_fulfilling_one(shop):
    """A member of the second store picks up here: fulfilled here, credited there."""
    member, _ = member_get_or_create_by_phone(phone="13900139001")
    member.home_store = shop.other_store
    member.save(update_fields=["home_store"])
    shop.member = member
    order = pay(place(shop, F.PICKUP, lines=[Line(shop.sku_m, 1)]))

    here = store_sales_summary(store=shop.store)["today"]
    there = store_sales_summary(store=shop.other_store)["today"]

    assert (here.fulfilled, here.credited) == (order.total_amount, 0)
    assert (there.fulfilled, there.credited, there.online) == (
        0,
        order.total_amount,
        order.total_amount,
    )


def test_sales_by_day_fill_every_day_oldest_first(shop):
    here = shop.store
    sale(credited=here, at=datetime(2030, 5, 1, 0, 30, tzinfo=SHANGHAI), total=2000)
    # 23:30 in Shanghai is still 30 April there, though already 1 May nowhere else matters.
    sale(credited=here, at=datetime(2030, 4, 30, 23, 30, tzinfo=SHANGHAI), total=3000)
    sale(credited=shop.other_store, fulfilled=here, at=datetime(2030, 4, 29, 12, tzinfo=SHANGHAI))

    series = store_sales_by_day(store=here, days=7, now=NOW)

    assert [point.day.isoformat() for point in series] == [
        "2030-04-25",
        "2030-04-26",
        "2030-04-27",
        "2030-04-28",
        "2030-04-29",
        "2030-04-30",
        "2030-05-01",
    ]
    assert [(p.credited, p.fulfilled) for p in series[-3:]] == [
        (0, 10000),
        (3000, 3000),
        (2000, 2000),
    ]
    assert all((p.credited, p.fulfilled) == (0, 0) for p in series[:4])


def test_each_clerks_sales_and_bound_customers(shop):
    month = period_starts(NOW)["month"]
    sale(credited=shop.store, clerk=shop.clerk, at=NOW, total=20000)
    sale(credited=shop.store, clerk=shop.clerk, at=NOW, total=5000, refunded=5000,
         status=Order.Status.REFUNDED)  # fmt: skip
    sale(credited=shop.store, clerk=shop.manager, at=NOW, total=8000)
    sale(credited=shop.store, clerk=shop.clerk, at=datetime(2030, 4, 2, tzinfo=SHANGHAI))
    for phone in ("13900000001", "13900000002"):
        member, _ = member_get_or_create_by_phone(phone=phone)
        member.bound_clerk = shop.clerk
        member.save(update_fields=["bound_clerk"])

    team = store_team_sales(store=shop.store, since=month)

    assert [(s.staff_code, s.sales, s.order_count, s.bound_count) for s in team] == [
        ("SH01-C1", 20000, 1, 2),
        ("SH01-M", 8000, 1, 0),
    ]


def test_refunds_of_the_stores_orders_newest_first(shop):
    ours = sale(credited=shop.store, at=NOW, refunded=3000)
    theirs_fulfilled_here = sale(
        credited=shop.other_store, fulfilled=shop.store, at=NOW, refunded=1000
    )
    elsewhere = sale(credited=shop.other_store, at=NOW, refunded=1000)
    made = [
        Refund.objects.create(order=order, out_refund_no=f"R{order.number}", amount=amount,
                              reason="尺码不合适")
        for order, amount in [(ours, 3000), (theirs_fulfilled_here, 1000), (elsewhere, 1000)]
    ]  # fmt: skip

    refunds = store_refunds_recent(store=shop.store, since=period_starts()["month"])

    assert [r.pk for r in refunds] == [made[1].pk, made[0].pk]


def test_each_figure_is_one_query(shop, django_assert_num_queries):
    for day in range(1, 4):
        sale(credited=shop.store, clerk=shop.clerk, at=datetime(2030, 5, day, tzinfo=SHANGHAI))

    with django_assert_num_queries(4):
        store_sales_summary(store=shop.store, now=NOW)
        store_sales_by_day(store=shop.store, now=NOW)
        team = store_team_sales(store=shop.store, since=period_starts(NOW)["month"])
        store_refunds_recent(store=shop.store, since=period_starts(NOW)["month"])
    assert len(team) == 2
