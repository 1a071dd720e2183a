"""The one check that a value is a whole number (quantities, counts, points).

Python counts `True` as the integer 1, and a float or a string can look like a count; callers
refuse all of those rather than guess what was meant. Each caller raises its own domain error.
"""


def is_whole_number(value, *, minimum: int | None = None) -> bool:
    """True for an `int` that is not a `bool`, and at least `minimum` when one is given."""
    if isinstance(value, bool) or not isinstance(value, int):
        return False
    return minimum is None or value >= minimum
