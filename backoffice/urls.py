"""Every store staff page, mounted at /staff/ by o2o/urls.py.

Each topic keeps its URL namespace (`backoffice:`, `orders_backoffice:`, `members_backoffice:`,
`loyalty_backoffice:`, `commissions_backoffice:`, the store desk's `today_backoffice:`,
`scanner_backoffice:`, `customers_backoffice:`, `stock_backoffice:`, `deliveries_backoffice:`,
`events_backoffice:`, `manager_backoffice:`, `hq_backoffice:`), so the names used in templates,
redirects and tests stay as they were. Every page here must have a row in
tests/backoffice/test_permissions.py, which walks these patterns.
"""

from django.urls import include, path

from backoffice.views import (
    assist,
    bookings,
    commissions,
    customers,
    deliveries,
    events,
    home,
    hq,
    loyalty,
    manager,
    members,
    offers,
    orders,
    scanner,
    stock,
    today,
)

home_urls = [
    path("", home.home, name="home"),
    path("login/", home.login, name="login"),
    path("logout/", home.logout, name="logout"),
]

order_urls = [
    path("", orders.queue, name="queue"),
    path("badge/", orders.badge, name="badge"),
    path("verify/", orders.verify, name="verify"),
    path("appointments/", bookings.appointments, name="appointments"),
    path("assist/", assist.assist, name="assist"),
    path("assist/<int:cart_id>/", assist.assist_cart, name="assist_cart"),
    path("assist/<int:cart_id>/discard/", assist.assist_discard, name="assist_discard"),
    path("<str:number>/", orders.order_detail, name="detail"),
    path("<str:number>/hand-over/", orders.hand_over, name="hand_over"),
    path("<str:number>/ready/", orders.mark_ready, name="mark_ready"),
    path("<str:number>/ship/", orders.ship, name="ship"),
    path("<str:number>/refund/", orders.refund, name="refund"),
    path("<str:number>/visit/", bookings.visit, name="visit"),
    path("<str:number>/no-show/", bookings.no_show, name="no_show"),
]

member_urls = [
    path("scan/", members.scan, name="scan"),
    path("my-qr/", members.my_qr, name="my_qr"),
]

loyalty_urls = [
    path("follow-ups/", loyalty.follow_ups, name="follow_ups"),
    path("follow-ups/<int:pk>/outcome/", loyalty.follow_up_outcome, name="follow_up_outcome"),
    path("gifts/verify/", loyalty.gift_verify, name="gift_verify"),
]

today_urls = [
    path("", today.board, name="board"),
    path("offers/<int:pk>/accept/", offers.offer_accept, name="offer_accept"),
    path("offers/<int:pk>/decline/", offers.offer_decline, name="offer_decline"),
]

scanner_urls = [
    path("", scanner.scanner, name="scanner"),
    path("resolve/", scanner.scan_resolve, name="resolve"),
]

customer_urls = [
    path("", customers.customer_list, name="list"),
    path("<str:member_code>/", customers.customer_detail, name="detail"),
    path("<str:member_code>/cart/", customers.customer_cart_start, name="cart_start"),
    path("<str:member_code>/follow-up/", customers.customer_follow_up, name="follow_up"),
    path(
        "<str:member_code>/follow-ups/<int:pk>/outcome/",
        customers.customer_follow_up_outcome,
        name="follow_up_outcome",
    ),
]

commission_urls = [
    path("", commissions.earnings, name="earnings"),
    path("withdraw/", commissions.withdraw, name="withdraw"),
    path(
        "withdrawals/<int:pk>/cancel/",
        commissions.withdrawal_cancel_view,
        name="withdrawal_cancel",
    ),
    path(
        "withdrawals/<int:pk>/accept/",
        commissions.withdrawal_accept_view,
        name="withdrawal_accept",
    ),
    path("customers/", commissions.customers, name="customers"),
    path("poster/", commissions.poster, name="poster"),
]

stock_urls = [
    path("", stock.stock_room, name="room"),
    path("ask/", stock.ask, name="ask"),
    path("transfers/", stock.transfers, name="transfers"),
    path("transfers/<int:pk>/", stock.transfer_detail, name="transfer"),
    path("transfers/<int:pk>/ship/", stock.ship, name="ship"),
    path("transfers/<int:pk>/receive/", stock.receive, name="receive"),
    path("transfers/<int:pk>/cancel/", stock.cancel, name="cancel"),
]

delivery_urls = [
    path("", deliveries.delivery_list, name="list"),
    path("<str:number>/", deliveries.delivery_detail, name="detail"),
    path("<str:number>/pack/", deliveries.delivery_pack_view, name="pack"),
    path("<str:number>/courier/", deliveries.delivery_assign_view, name="assign"),
    path("<str:number>/hand-over/", deliveries.delivery_hand_over_view, name="hand_over"),
]

manager_urls = [
    path("", manager.manager, name="desk"),
]

event_urls = [
    path("", events.event_list, name="list"),
    path("new/", events.event_create, name="create"),
    path("<int:pk>/", events.event_detail, name="detail"),
    path("<int:pk>/check-in/", events.check_in, name="check_in"),
    path("<int:pk>/no-shows/", events.no_shows, name="no_shows"),
]

hq_urls = [
    path("stores/", hq.stores, name="stores"),
]

urlpatterns = [
    path("orders/", include((order_urls, "orders_backoffice"))),
    path("members/", include((member_urls, "members_backoffice"))),
    path("loyalty/", include((loyalty_urls, "loyalty_backoffice"))),
    path("today/", include((today_urls, "today_backoffice"))),
    path("scan/", include((scanner_urls, "scanner_backoffice"))),
    path("customers/", include((customer_urls, "customers_backoffice"))),
    path("commissions/", include((commission_urls, "commissions_backoffice"))),
    path("stock/", include((stock_urls, "stock_backoffice"))),
    path("deliveries/", include((delivery_urls, "deliveries_backoffice"))),
    path("events/", include((event_urls, "events_backoffice"))),
    path("manager/", include((manager_urls, "manager_backoffice"))),
    path("hq/", include((hq_urls, "hq_backoffice"))),
    path("", include((home_urls, "backoffice"))),
]
