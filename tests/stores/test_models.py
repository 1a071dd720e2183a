from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from stores.models import Store, validate_opening_hours

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(text):
    """A moment in the platform's time zone; 2026-03-02 is a Monday."""
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    "hours",
    [
        {"mon": ["10:00", "22:00"]},
        {"sun": None},
        {"fri": ["18:00", "02:00"]},
    ],
)
def test_valid_opening_hours(hours):
    validate_opening_hours(hours)


@pytest.mark.parametrize(
    "hours",
    [
        ["10:00", "22:00"],
        {"monday": ["10:00", "22:00"]},
        {"mon": ["10:00"]},
        {"mon": ["10am", "10pm"]},
        {"mon": ["10:00", "10:00"]},
        {"mon": "10:00-22:00"},
    ],
)
def test_invalid_opening_hours_are_rejected(hours):
    with pytest.raises(ValidationError):
        validate_opening_hours(hours)


def make_store(hours):
    return Store(code="t", name="t", opening_hours=hours)


def test_open_within_hours_closed_outside():
    store = make_store({"mon": ["10:00", "22:00"]})
    assert store.hours_on(at("2026-03-02 12:00")) is not None
    assert store.is_open_at(at("2026-03-02 10:00"))
    assert store.is_open_at(at("2026-03-02 21:59"))
    assert not store.is_open_at(at("2026-03-02 22:00"))
    assert not store.is_open_at(at("2026-03-02 09:59"))


def test_closed_day():
    store = make_store({"mon": ["10:00", "22:00"], "sun": None})
    assert store.hours_on(at("2026-03-01 12:00")) is None  # Sunday
    assert not store.is_open_at(at("2026-03-01 12:00"))


def test_span_past_midnight_belongs_to_the_day_it_opened():
    # Friday 18:00 to Saturday 02:00; Saturday itself closed.
    store = make_store({"fri": ["18:00", "02:00"], "sat": None})
    assert store.is_open_at(at("2026-03-06 23:30"))  # Friday night
    assert store.is_open_at(at("2026-03-07 01:30"))  # early Saturday, still Friday's span
    assert not store.is_open_at(at("2026-03-07 02:00"))
    assert not store.is_open_at(at("2026-03-06 17:00"))


def test_utc_moments_are_read_in_shanghai_time():
    store = make_store({"mon": ["10:00", "22:00"]})
    # 02:30 UTC is 10:30 in Shanghai on the same Monday.
    assert store.is_open_at(datetime(2026, 3, 2, 2, 30, tzinfo=ZoneInfo("UTC")))
