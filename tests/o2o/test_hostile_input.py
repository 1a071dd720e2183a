"""No input gives a 5xx (DESIGN §6 Trust): every URL pattern of the project, its path converters
filled with hostile values, the query parameters and form fields the code reads filled with the
same, sent as GET and POST by a visitor and by a clerk who is also a logged-in member (one
session that reaches both the shopper's and the back office's pages), and the admin by HQ.

The walk is over `get_resolver().url_patterns` and the parameter names are read from the project's
own apps, so a new page is swept the day it is added.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote, unquote, urlencode

import pytest
from django import forms
from django.apps import apps
from django.db import connection
from django.test import Client
from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, resolve
from django.urls.resolvers import RegexPattern
from psycopg2.extensions import TRANSACTION_STATUS_INERROR

from orders.services.payment import payment_start
from tests.orders.shopper_helpers import log_in
from tests.stores.factories import UserFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]

# NUL, overlong (digits, so that int() meets Python's 4,300-digit limit too), non-finite numbers,
# a number wider than PostgreSQL's bigint, malformed and unusual text.
HOSTILE_VALUES = {
    "nul": "a\x00b",
    "overlong": "9" * 10_000,
    "inf": "inf",
    "nan": "nan",
    "1e400": "1e400",
    "huge-int": "9" * 30,
    "malformed": "-1'\"<>%;{}",
    "unicode": "\u202e\U0001f600",
}
# The admin is Django's own code behind HQ's login: swept with fewer values to stay fast.
ADMIN_VALUES = ("inf", "malformed")

_PARAMETER_READ = re.compile(
    r"""(?:GET|POST|query_params|data|params)(?:\.get|\.getlist|\.pop)?[\[(]\s*["']([A-Za-z_]\w*)["']"""
)


def _parameter_names() -> list[str]:
    """Every query or form parameter the project's code reads, and every form field it declares."""
    ours = [
        config
        for config in apps.get_app_configs()
        if Path(config.path).is_relative_to(ROOT) and "site-packages" not in Path(config.path).parts
    ]
    names = {"next", "q", "page", "o", "p"}
    for config in ours:
        for source in Path(config.path).rglob("*.py"):
            names.update(_PARAMETER_READ.findall(source.read_text()))
    modules = {config.name for config in ours}
    pending = [forms.Form, forms.ModelForm]
    while pending:
        form = pending.pop()
        pending.extend(form.__subclasses__())
        if form.__module__.split(".")[0] in modules:
            names.update(getattr(form, "base_fields", {}))
    return sorted(names)


def _fill(pattern, value_of) -> str:
    """One URL piece with every converter or named group replaced by `value_of(its name)`."""
    if isinstance(pattern, RegexPattern):
        text = str(pattern.regex.pattern).lstrip("^").rstrip("$")
        text = re.sub(
            r"\(\?P<(\w+)>[^)]*\)", lambda match: quote(value_of(match[1]), safe=""), text
        )
        return text.replace("/?", "/").replace("\\.", ".").replace("\\", "")
    return re.sub(
        r"<(?:\w+:)?(\w+)>", lambda match: quote(value_of(match[1]), safe=""), str(pattern)
    )


def _path(pieces, value_of) -> str:
    return "/" + "".join(_fill(piece, value_of) for piece in pieces)


def _walk(patterns, pieces=()):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, (*pieces, entry.pattern))
        elif isinstance(entry, URLPattern):
            yield (*pieces, entry.pattern)


def _reaches_a_view(path: str) -> bool:
    try:
        resolve(unquote(path))
    except Resolver404:
        return False
    return True


def _requests(real: dict[str, str]):
    """(route, role, hostile value name, path, methods) to sweep: every pattern with its
    converters filled with each hostile value, and (where it has converters) with real
    identifiers, so that the hostile query and form values reach the view behind an existing
    object too. A path no pattern matches (a converter refused the value) reaches no view: one
    GET shows it is a 4xx."""
    for pieces in _walk(get_resolver().url_patterns):
        route = "".join(str(piece) for piece in pieces)
        # Anyone but HQ is sent to the admin's login page before a parameter is read.
        is_admin = route.startswith("admin/")
        roles = ("hq",) if is_admin else ("anonymous", "member_and_clerk")
        names = ADMIN_VALUES if is_admin else tuple(HOSTILE_VALUES)
        real_path = _path(pieces, lambda name: real.get(name, "1"))
        has_converters = real_path != _path(pieces, lambda name: "0")
        for role in roles:
            for name in names:
                hostile = _path(pieces, lambda _, name=name: HOSTILE_VALUES[name])
                if _reaches_a_view(hostile):
                    yield route, role, name, hostile, ("GET", "POST")
                elif role == roles[0]:
                    yield route, role, name, hostile, ("GET",)
                if has_converters and not is_admin:
                    yield route, role, name, real_path, ("GET", "POST")


@pytest.fixture
def people(chain):
    """The clients of each role, and identifiers of existing objects for the URL converters."""
    payment = payment_start(order=chain.order).payment
    hq = UserFactory(username="hq-sweep", is_staff=True, is_superuser=True)

    def member_and_clerk():
        # A clerk who shops too: one session reaches both the shopper's and the clerk's pages.
        client = Client()
        client.force_login(chain.clerk.user)
        return log_in(client, chain.member)

    def as_hq():
        client = Client()
        client.force_login(hq)
        return client

    roles = {"anonymous": Client, "member_and_clerk": member_and_clerk, "hq": as_hq}
    real = {
        "code": chain.product.code,
        "slug": chain.product.category.slug,
        "sku_code": chain.sku.code,
        "number": chain.order.number,
        "out_trade_no": payment.out_trade_no,
        "token": chain.clerk_cart.token,
        "cart_id": str(chain.clerk_cart.pk),
        "sku_id": str(chain.sku.pk),
        "staff_code": chain.clerk.staff_code,
        "object_id": str(chain.order.pk),
        "format": "json",
    }
    return roles, real


def _request(client: Client, method: str, path: str, params: dict[str, str], *, overlong: bool):
    encoded = urlencode(params)
    if method == "GET":
        return client.get(f"{path}?{encoded}")
    # Views read the query on a POST too; an overlong one is left to the GETs (it is the same
    # parsing) to keep the sweep fast.
    return client.post(
        path if overlong else f"{path}?{encoded}",
        data=encoded,
        content_type="application/x-www-form-urlencoded",
    )


def _transaction_broken() -> bool:
    """A database error inside the test's transaction fails every later query: stop there."""
    return connection.connection.get_transaction_status() == TRANSACTION_STATUS_INERROR


def test_no_input_gives_a_server_error(people, settings):
    settings.DEMO_MODE = True  # the demo pages are swept too
    roles, real = people
    names = _parameter_names()
    failures = []
    requests = 0
    clients = {}
    for route, role, value_name, path, methods in _requests(real):
        # One client per role and route: a logout or a state change by one route does not leak
        # into the next.
        if clients.get(role, (None,))[0] != route:
            clients[role] = (route, roles[role]())
        client = clients[role][1]
        params = {name: HOSTILE_VALUES[value_name] for name in names}
        for method in methods:
            requests += 1
            try:
                status = _request(
                    client, method, path, params, overlong=value_name == "overlong"
                ).status_code
            except Exception as error:  # noqa: BLE001 - every crash is a finding
                status = f"{type(error).__name__}: {str(error)[:120]}"
            if not isinstance(status, int) or status >= 500:
                failures.append(f"{role} {method} {path[:60]} [{value_name}] -> {status}")
                if _transaction_broken():
                    pytest.fail("database error, sweep stopped:\n" + "\n".join(failures))

    assert not failures, f"{len(failures)} of {requests} requests failed:\n" + "\n".join(
        failures[:80]
    )
