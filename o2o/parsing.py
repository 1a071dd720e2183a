"""Reading numbers and short texts out of query strings and forms, for every view that does,
and the one whole-number check for values already parsed (`is_whole_number`).

`float("inf")`, `float("1e400")` and `float("nan")` are floats, `int(float("inf"))` raises, a
30-digit id overflows PostgreSQL's bigint, and a 10,000-character "code" is a wasted query: each
used to end in a 500 somewhere (DESIGN §6 Trust: no input gives a 5xx). These helpers answer
None for anything missing, malformed, non-finite, out of range or too long, so a view decides
in one line whether that means "not given" or a 4xx.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal

# PostgreSQL's bigint: the widest id a lookup may carry.
MAX_ID = 2**63 - 1
# No honest number in a form or a query string is longer than this.
MAX_NUMBER_LENGTH = 32
# A decimal wider than this before its point fits no column we have (money is integer fen).
MAX_DECIMAL_INTEGER_DIGITS = 15

# ASCII digits only: Python's int() and float() also read "1_000", "١٢" and "inf".
_WHOLE = re.compile(r"[+-]?[0-9]+")
_DECIMAL = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")


def is_whole_number(value, *, minimum: int | None = None) -> bool:
    """True for an `int` that is not a `bool`, and at least `minimum` when one is given.

    For values already parsed (service arguments, JSON): Python counts `True` as the integer 1,
    and a float or a string can look like a count; callers refuse all of those rather than guess
    what was meant. Each caller raises its own domain error.
    """
    if isinstance(value, bool) or not isinstance(value, int):
        return False
    return minimum is None or value >= minimum


def _number_text(value) -> str | None:
    if value is None or isinstance(value, bool):
        return None
    text = str(value).strip()
    if not text or len(text) > MAX_NUMBER_LENGTH:
        return None
    return text


def _within(number, minimum, maximum):
    if minimum is not None and number < minimum:
        return None
    if maximum is not None and number > maximum:
        return None
    return number


def whole_number(value, *, minimum: int | None = None, maximum: int | None = MAX_ID) -> int | None:
    """A whole number written with digits only ("12", "-3"); None otherwise ("1.5", "1e3",
    "inf", "", an id wider than a bigint, or outside [minimum, maximum])."""
    text = _number_text(value)
    if text is None or not _WHOLE.fullmatch(text):
        return None
    return _within(int(text), minimum, maximum)


def finite_float(
    value, *, minimum: float | None = None, maximum: float | None = None
) -> float | None:
    """A finite float in [minimum, maximum]; None for "inf", "nan", "1e400" and anything else."""
    text = _number_text(value)
    if text is None or not _DECIMAL.fullmatch(text):
        return None
    number = float(text)
    if not math.isfinite(number):  # "1e400"
        return None
    return _within(number, minimum, maximum)


def finite_decimal(
    value, *, minimum: Decimal | None = None, maximum: Decimal | None = None
) -> Decimal | None:
    """A Decimal in [minimum, maximum] with at most MAX_DECIMAL_INTEGER_DIGITS digits before the
    point; None for "Infinity", "NaN", "1e400" and anything that is not a number."""
    text = _number_text(value)
    if text is None or not _DECIMAL.fullmatch(text):
        return None
    number = Decimal(text)
    if number and number.adjusted() >= MAX_DECIMAL_INTEGER_DIGITS:
        return None
    return _within(number, minimum, maximum)


def bounded_text(value, *, max_length: int) -> str | None:
    """The text stripped of surrounding spaces; None when missing or longer than `max_length`
    (a code or a name that long is not one we issued: no lookup is worth making)."""
    if value is None:
        return None
    text = str(value).strip()
    if len(text) > max_length:
        return None
    return text
