"""Staff sessions end after a working day without activity (o2o.staff_sessions); shoppers keep
their month-long session."""

import time
from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from o2o.staff_sessions import RENEWED_KEY
from tests.orders.shopper_helpers import log_in

pytestmark = pytest.mark.django_db


def session_row(client) -> Session:
    return Session.objects.get(session_key=client.cookies["sessionid"].value)


def test_a_clerk_session_lasts_a_working_day_not_a_month(chain, settings):
    client = Client()

    response = client.post(
        "/staff/login/", {"username": chain.clerk.user.username, "password": "pass1234"}
    )

    assert response.status_code == 302
    assert client.cookies["sessionid"]["max-age"] == settings.STAFF_SESSION_IDLE_SECONDS == 36_000
    expires_in = session_row(client).expire_date - timezone.now()
    assert timedelta(hours=9, minutes=59) < expires_in <= timedelta(hours=10)


def test_a_shopper_session_lasts_a_month(chain):
    client = log_in(Client(), chain.member)

    response = client.get("/m/card/")

    assert response.status_code == 200
    assert session_row(client).expire_date - timezone.now() > timedelta(days=29)


def test_an_idle_clerk_is_logged_out(chain, settings):
    settings.STAFF_SESSION_IDLE_SECONDS = 1
    client = Client()
    client.post("/staff/login/", {"username": chain.clerk.user.username, "password": "pass1234"})
    assert client.get("/staff/").status_code == 200

    time.sleep(2.1)

    response = client.get("/staff/")
    assert response.status_code == 302
    assert response["Location"].startswith("/staff/login/")


def test_an_active_clerk_session_is_renewed(clerk_client):
    clerk_client.get("/staff/")
    session = clerk_client.session
    session[RENEWED_KEY] -= 120  # the last renewal was two minutes ago
    session.save()
    Session.objects.filter(session_key=session.session_key).update(
        expire_date=timezone.now() + timedelta(hours=1)
    )

    clerk_client.get("/staff/")

    assert session_row(clerk_client).expire_date - timezone.now() > timedelta(hours=9, minutes=59)
