"""Who may open every /staff/ page and action, walked from the URL resolver.

Each back-office URL name needs a row in PAGES below: the method it is used with, sample kwargs
for object URLs, and who may use it. A new /staff/ pattern without a row fails
`test_every_staff_url_has_a_row`, so a page cannot be added without saying who may see it.

For every row:
- an anonymous visitor is sent to the login page;
- the staff member allowed to use it (the store's clerk, its manager, the sending store) gets
  past the checks (no 403/404), which proves the sample kwargs name a real object;
- a clerk of an unrelated store gets 404 for object URLs (the object does not exist for her) or,
  for actions on another store's order or a colleague's cart, the 403 page with the reason;
- a clerk gets 403 on manager-only and HQ-only pages;
- HQ looking at the store's desk reads every page and gets 403 for every write.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from commissions.models import Wallet, Withdrawal
from dispatch.models import Delivery
from inventory.services import transfer_request
from orders.models import Order
from orders.services.assisted import assisted_cart_create
from orders.services.checkout import Line
from reports.models import PaymentBill, PaymentDifference, SettlementStatement
from stores.models import Staff, Store
from tests.backoffice.stock_fixtures import staff_make
from tests.dispatch.offer_helpers import delivery_offer_make
from tests.members.loyalty_factories import task_make
from tests.orders.placing import F, pay, place
from tests.promotions.event_fixtures import store_event_make

pytestmark = pytest.mark.django_db
STAFF_PREFIX = "staff/"
LOGIN = reverse("backoffice:login")


@dataclass(frozen=True)
class Page:
    method: str = "get"
    # Object URLs: the sample kwargs, made from the `world` fixture below.
    kwargs: Callable[..., dict] | None = None
    public: bool = False  # login and logout
    roles: str = "staff"  # "staff", "manager" (manager and HQ) or "hq"
    insider: str = "clerk"  # who may use it: "clerk", "manager" or "sender" (the other store)
    outsider: int = 404  # what a clerk of an unrelated store gets on an object URL
    hq_get: int = 200  # what HQ looking at the store's desk gets for a GET page


def order(world):
    return {"number": world.order.number}


def delivery(world):
    return {"number": world.delivery_order.number}


def cart(world):
    return {"cart_id": world.cart.pk}


def task(world):
    return {"pk": world.task.pk}


def transfer(world):
    return {"pk": world.transfer.pk}


def member(world):
    return {"member_code": world.member.member_code}


def withdrawal(world):
    return {"pk": world.withdrawal.pk}


def payment_difference(world):
    bill, _ = PaymentBill.objects.get_or_create(
        bill_date=date(2030, 1, 1), defaults={"source": "upload", "imported_at": timezone.now()}
    )
    difference, _ = PaymentDifference.objects.get_or_create(
        bill=bill, record="payment", reference="P-PERM-1", defaults={"kind": "missing_here"}
    )
    return {"pk": difference.pk}


def statement(world):
    """An issued statement of sh01 (made a franchise store for it)."""
    Store.objects.filter(pk=world.store.pk).update(kind=Store.Kind.FRANCHISE)
    issued, _ = SettlementStatement.objects.get_or_create(
        store=world.store,
        month=date(2026, 1, 1),
        defaults={
            "state": "confirmed",
            "platform_fee_bp": 500,
            "fulfilment_fee_bp": 1000,
            "coupon_store_share_bp": 5000,
            "computed_at": timezone.now(),
        },
    )
    return {"pk": issued.pk}


def offer(world):
    return {"pk": world.offer.pk}


def store_event(world):
    return {"pk": world.event.pk}


def member_task(world):
    return {"member_code": world.member.member_code, "pk": world.task.pk}


PAGES: dict[str, Page] = {
    # shell
    "backoffice:home": Page(),
    "backoffice:login": Page(public=True),
    "backoffice:logout": Page(method="post", public=True),
    # orders
    "orders_backoffice:queue": Page(),
    "orders_backoffice:badge": Page(),
    "orders_backoffice:verify": Page(),
    "orders_backoffice:appointments": Page(),
    "orders_backoffice:assist": Page(),
    # A cart belongs to the clerk who built it: HQ has none of the store's.
    "orders_backoffice:assist_cart": Page(kwargs=cart, hq_get=404),
    "orders_backoffice:assist_discard": Page(method="post", kwargs=cart, outsider=403),
    "orders_backoffice:detail": Page(kwargs=order),
    "orders_backoffice:hand_over": Page(method="post", kwargs=order, outsider=403),
    "orders_backoffice:mark_ready": Page(method="post", kwargs=order, outsider=403),
    "orders_backoffice:ship": Page(method="post", kwargs=order, outsider=403),
    "orders_backoffice:refund": Page(
        method="post", kwargs=order, roles="manager", insider="manager", outsider=403
    ),
    "orders_backoffice:visit": Page(method="post", kwargs=order, outsider=403),
    "orders_backoffice:no_show": Page(
        method="post", kwargs=order, roles="manager", insider="manager", outsider=403
    ),
    # members and loyalty
    "members_backoffice:scan": Page(),
    "members_backoffice:my_qr": Page(),
    "members_backoffice:wechat_link": Page(),
    "members_backoffice:wechat_link_start": Page(method="post"),
    # Without the state its own "link" POST left in the session, it only sends back to the page.
    "members_backoffice:wechat_link_callback": Page(hq_get=302),
    "members_backoffice:wechat_unlink": Page(method="post"),
    "loyalty_backoffice:follow_ups": Page(),
    "loyalty_backoffice:follow_up_outcome": Page(method="post", kwargs=task),
    "loyalty_backoffice:gift_verify": Page(hq_get=403),  # handing over gifts is counter work
    # the store desk: today board, scanner, the clerk's customers
    "today_backoffice:board": Page(),
    # Another store's delivery offer does not exist for her.
    "today_backoffice:offer_accept": Page(method="post", kwargs=offer),
    "today_backoffice:offer_decline": Page(method="post", kwargs=offer),
    "scanner_backoffice:scanner": Page(),
    "scanner_backoffice:resolve": Page(method="post"),
    "customers_backoffice:list": Page(),
    "customers_backoffice:detail": Page(kwargs=member),
    "customers_backoffice:cart_start": Page(method="post", kwargs=member),
    "customers_backoffice:follow_up": Page(method="post", kwargs=member),
    "customers_backoffice:follow_up_outcome": Page(method="post", kwargs=member_task),
    # stock room and transfers
    "stock_backoffice:room": Page(),
    "stock_backoffice:ask": Page(method="post"),
    "stock_backoffice:transfers": Page(),
    "stock_backoffice:transfer": Page(kwargs=transfer),
    "stock_backoffice:ship": Page(method="post", kwargs=transfer, insider="sender"),
    "stock_backoffice:receive": Page(method="post", kwargs=transfer),
    "stock_backoffice:cancel": Page(method="post", kwargs=transfer),
    # the clerk's commission (her own wallet: another clerk's withdrawal does not exist for her)
    "commissions_backoffice:earnings": Page(),
    "commissions_backoffice:withdraw": Page(method="post"),
    "commissions_backoffice:withdrawal_cancel": Page(method="post", kwargs=withdrawal),
    "commissions_backoffice:withdrawal_accept": Page(method="post", kwargs=withdrawal),
    "commissions_backoffice:customers": Page(),
    "commissions_backoffice:poster": Page(),
    # coupons: the till desk (clerks, HQ reads it), the store's figures (manager and HQ)
    "coupons_backoffice:desk": Page(),
    "coupons_backoffice:redeem": Page(method="post"),
    "coupons_backoffice:give": Page(method="post"),
    "coupons_backoffice:report": Page(roles="manager", insider="manager"),
    # deliveries by store staff (an accepted delivery order of sh01)
    "deliveries_backoffice:list": Page(),
    "deliveries_backoffice:detail": Page(kwargs=delivery),
    "deliveries_backoffice:pack": Page(method="post", kwargs=delivery, outsider=403),
    "deliveries_backoffice:assign": Page(method="post", kwargs=delivery, outsider=403),
    "deliveries_backoffice:hand_over": Page(method="post", kwargs=delivery, outsider=403),
    # store events (their bookings and check-in at the door)
    "events_backoffice:list": Page(),
    "events_backoffice:create": Page(roles="manager", insider="manager"),
    "events_backoffice:detail": Page(kwargs=store_event),
    "events_backoffice:check_in": Page(method="post", kwargs=store_event),
    "events_backoffice:no_shows": Page(method="post", kwargs=store_event),
    # manager and HQ
    "manager_backoffice:desk": Page(roles="manager", insider="manager"),
    "hq_backoffice:stores": Page(roles="hq"),
    # HQ's reports (reports/urls.py, mounted under /staff/ by the URL root)
    "reports_backoffice:dashboard": Page(roles="hq"),
    "reports_backoffice:export": Page(roles="hq", kwargs=lambda world: {"table": "days"}),
    "reports_backoffice:reconciliation": Page(roles="hq"),
    "reports_backoffice:bill_fetch": Page(method="post", roles="hq"),
    "reports_backoffice:bill_upload": Page(method="post", roles="hq"),
    "reports_backoffice:difference_resolve": Page(
        method="post", roles="hq", kwargs=payment_difference
    ),
    "reports_backoffice:settlements": Page(roles="hq"),
    "reports_backoffice:settlements_prepare": Page(method="post", roles="hq"),
    "reports_backoffice:statement_move": Page(method="post", roles="hq", kwargs=statement),
    # the franchise store's statements: its manager (and HQ looking at the store)
    "statements_backoffice:list": Page(roles="manager", insider="manager"),
    "statements_backoffice:detail": Page(roles="manager", insider="manager", kwargs=statement),
    "statements_backoffice:export": Page(roles="manager", insider="manager", kwargs=statement),
    "statements_backoffice:pdf": Page(roles="manager", insider="manager", kwargs=statement),
}


def _walk(patterns, namespace: str | None):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = entry.namespace or None
            if namespace and inner:
                inner = f"{namespace}:{inner}"
            yield from _walk(entry.url_patterns, inner or namespace)
        elif isinstance(entry, URLPattern):
            yield f"{namespace}:{entry.name}" if namespace else str(entry.name)


def staff_url_names() -> list[str]:
    """Every URL name under /staff/, qualified with its namespace."""
    names = []
    for entry in get_resolver().url_patterns:
        if isinstance(entry, URLResolver) and str(entry.pattern) == STAFF_PREFIX:
            names += _walk(entry.url_patterns, entry.namespace)
    return sorted(set(names))


def test_every_staff_url_has_a_row():
    names = staff_url_names()

    assert len(names) >= len(PAGES) - 1, "the resolver walk found too few /staff/ URLs"
    missing = sorted(set(names) - set(PAGES))
    assert not missing, (
        "These /staff/ URLs have no row in PAGES (tests/backoffice/test_permissions.py); add "
        "one saying who may use each: " + ", ".join(missing)
    )
    stale = sorted(set(PAGES) - set(names))
    assert not stale, "PAGES has rows for URLs that no longer exist: " + ", ".join(stale)


@pytest.fixture
def world(nearby):
    """One object of each kind at sh01: a paid pickup, a cart built by its clerk, a customer of
    the store with a follow-up task for the clerk, a transfer sh02 → sh01, a withdrawal
    request of the clerk, a delivery order offered to sh01 and a store event; sh03's clerk is the
    outsider; HQ looks at sh01."""
    nearby.member.home_store = nearby.store
    nearby.member.save(update_fields=["home_store"])
    nearby.order = pay(place(nearby, F.PICKUP, lines=[Line(nearby.sku_m, 1)]))
    nearby.delivery_order = accepted_delivery(nearby)
    nearby.cart = assisted_cart_create(staff=nearby.clerk)
    nearby.task = task_make(member=nearby.member, assignee=nearby.clerk, due=date(2030, 1, 1))
    nearby.transfer = transfer_request(
        from_store=nearby.other_store, to_store=nearby.store, lines=[(nearby.sku_m.pk, 1)]
    )
    nearby.hq = staff_make("HQ-1", nearby.warehouse, role=Staff.Role.HQ)
    nearby.offer = delivery_offer_make(store=nearby.store, lines=[(nearby.sku_l, 1)])
    nearby.event = store_event_make(nearby.store)
    nearby.withdrawal = Withdrawal.objects.create(
        wallet=Wallet.objects.create(staff=nearby.clerk), amount=1000, out_bill_no="CW-PERM-1"
    )
    return nearby


def accepted_delivery(nearby):
    """A delivery order sh01 accepted (as the offer's hook leaves it), with its delivery record."""
    order = pay(place(nearby, F.PICKUP, lines=[Line(nearby.sku_m, 1)]))
    Order.objects.filter(pk=order.pk).update(
        fulfillment=F.DELIVERY,
        status=Order.Status.ACCEPTED,
        pickup_code="",
        address={
            "name": "李",
            "phone": "139",
            "address": "路 1 号",
            "latitude": 31.2,
            "longitude": 121.4,
        },
    )
    Delivery.objects.create(order=order, store=nearby.store, code="123456")
    order.refresh_from_db()
    return order


def call(client, name: str, page: Page, world):
    url = reverse(name, kwargs=page.kwargs(world) if page.kwargs else None)
    return url, getattr(client, page.method)(url)


def login(client, staff):
    client.logout()
    client.force_login(staff.user)


@pytest.mark.parametrize("name", staff_url_names())
def test_who_may_use_each_staff_url(name, client, world):
    page = PAGES.get(name)
    assert page is not None, f"{name} has no row in PAGES"
    if page.public:
        _, response = call(client, name, page, world)
        assert response.status_code < 400
        return

    # Anonymous: the login page, coming back here afterwards.
    url, response = call(client, name, page, world)
    assert response.status_code == 302, name
    assert response["Location"].startswith(f"{LOGIN}?next="), name

    # The outsider: a clerk of a store with nothing to do with the object.
    if page.kwargs or page.roles != "staff":
        login(client, world.third_clerk)
        _, response = call(client, name, page, world)
        expected = 403 if page.roles != "staff" else page.outsider
        assert response.status_code == expected, name

    # A clerk of the store itself on manager-only and HQ-only pages.
    if page.roles != "staff":
        login(client, world.clerk)
        _, response = call(client, name, page, world)
        assert response.status_code == 403, name

    # HQ looking at sh01: pages read, every write refused.
    login(client, world.hq)
    client.post(reverse("hq_backoffice:stores"), {"store": world.store.pk})
    if page.method == "get":
        _, response = call(client, name, page, world)
        assert response.status_code == page.hq_get, name
    if name != "hq_backoffice:stores":  # choosing a store is how HQ looks at one
        assert client.post(url).status_code == 403, name

    # The staff member it is for gets past every check (so the sample kwargs are real).
    insider = {
        "clerk": world.clerk,
        "manager": world.manager,
        "sender": world.other_clerk,
    }[page.insider]
    login(client, world.hq if page.roles == "hq" else insider)
    _, response = call(client, name, page, world)
    assert response.status_code not in (403, 404, 405), name
    assert response.status_code < 500, name
