"""Outgoing calls: the settings' timeouts and a circuit breaker per service (o2o.outgoing)."""

import time

import pytest
import requests

from o2o.outgoing import (
    OutgoingUnavailable,
    breaker,
    breakers_open,
    breakers_reset,
    outgoing_session,
)
from tests.wechat_fake import WeChatFake


@pytest.fixture
def fake():
    server = WeChatFake(app_id="wx-outgoing", secret="s").start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _breakers(settings):
    settings.OUTGOING_CONNECT_TIMEOUT = 1.0
    settings.OUTGOING_READ_TIMEOUT = 0.5
    settings.OUTGOING_BREAKER_FAILURES = 3
    settings.OUTGOING_BREAKER_RESET = 60.0
    breakers_reset()
    yield
    breakers_reset()


def test_a_call_without_a_timeout_gets_the_settings_one(fake):
    fake.slow(5)
    started = time.monotonic()
    with pytest.raises(requests.Timeout):
        outgoing_session("test-timeout").get(f"{fake.base_url}cgi-bin/token")
    assert time.monotonic() - started < 2


def test_failures_in_a_row_open_the_breaker_and_success_closes_it(fake, settings):
    session = outgoing_session("test-breaker")
    fake.slow(5)
    for _ in range(3):
        with pytest.raises(requests.Timeout):
            session.get(f"{fake.base_url}cgi-bin/token")
    assert breakers_open() == ["test-breaker"]

    started = time.monotonic()
    with pytest.raises(OutgoingUnavailable):
        session.get(f"{fake.base_url}cgi-bin/token")
    assert time.monotonic() - started < 0.05

    fake.slow(0)
    settings.OUTGOING_BREAKER_RESET = 0.0
    breaker("test-breaker").retry_at = 0.0  # the pause is over: one trial goes out
    assert session.get(f"{fake.base_url}cgi-bin/token").status_code == 200
    assert breakers_open() == []


def test_a_5xx_counts_as_a_failure_a_4xx_does_not():
    guard = breaker("test-status")
    guard.failed("HTTP 502")
    guard.succeeded()
    assert guard.failures == 0


@pytest.mark.django_db
def test_a_call_inside_a_transaction_is_logged(fake, caplog):
    from django.db import transaction

    session = outgoing_session("test-in-transaction")
    session.get(f"{fake.base_url}cgi-bin/token")
    assert "inside a database transaction" not in caplog.text

    with transaction.atomic():
        session.get(f"{fake.base_url}cgi-bin/token")

    assert "outgoing test-in-transaction: GET" in caplog.text
