"""Member card tokens: signed, short-lived, accepted once."""

import time

import pytest
from django.core import signing
from django.core.cache import cache

from members.card import (
    CardTokenError,
    card_token_is_signed,
    card_token_issue,
    card_token_verify,
)
from members.services.accounts import member_create

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def member():
    return member_create(phone="13800138000", nickname="小雨")


def refused_code(token, **kwargs) -> str:
    with pytest.raises(CardTokenError) as refused:
        card_token_verify(token, **kwargs)
    return refused.value.code


def test_a_fresh_token_names_the_member_once(member):
    token = card_token_issue(member)

    assert card_token_verify(token) == member
    assert refused_code(token) == "replayed"


def test_each_token_is_different(member):
    first, second = card_token_issue(member), card_token_issue(member)

    assert first != second
    assert card_token_verify(first) == card_token_verify(second) == member


def test_an_old_token_is_expired(member, monkeypatch):
    issued_at = time.time() - 120
    monkeypatch.setattr(signing.time, "time", lambda: issued_at)
    token = card_token_issue(member)
    monkeypatch.undo()

    assert refused_code(token) == "expired"
    assert refused_code(token, max_age=60) == "expired"


def test_max_age_is_honoured(member, monkeypatch):
    issued_at = time.time() - 30
    monkeypatch.setattr(signing.time, "time", lambda: issued_at)
    token = card_token_issue(member)
    monkeypatch.undo()

    assert refused_code(token, max_age=10) == "expired"
    assert card_token_verify(token, max_age=90) == member


@pytest.mark.parametrize(
    "tamper",
    [
        lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),
        lambda token: "9" + token,
        lambda token: token.split(":")[0] + ":" + token.split(":")[1] + ":",
        lambda token: "M123456789",
        lambda token: "",
    ],
)
def test_a_tampered_or_malformed_token_is_invalid(member, tamper):
    assert refused_code(tamper(card_token_issue(member))) == "invalid"


def test_a_token_signed_for_something_else_is_invalid(member):
    other = signing.TimestampSigner(salt="orders.pickup").sign(f"{member.pk}.abc")

    assert refused_code(other) == "invalid"


def test_a_closed_membership_is_invalid(member):
    token = card_token_issue(member)
    member.is_active = False
    member.save(update_fields=["is_active"])

    assert refused_code(token) == "invalid"


def test_a_token_is_short_enough_for_a_fast_scan(member):
    assert len(card_token_issue(member)) < 80


def test_a_card_is_recognised_by_its_signature_without_being_accepted(member, monkeypatch):
    token = card_token_issue(member)
    issued_at = time.time() - 300
    monkeypatch.setattr(signing.time, "time", lambda: issued_at)
    old = card_token_issue(member)
    monkeypatch.undo()

    assert card_token_is_signed(token) and card_token_is_signed(old)
    assert not card_token_is_signed(token[:-2] + "xx")
    assert not card_token_is_signed(signing.dumps({"n": "1"}, salt="orders.pickup"))
    assert not card_token_is_signed("13800138000")
    # Recognising it did not use it up.
    assert card_token_verify(token) == member
