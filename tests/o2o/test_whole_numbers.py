"""One whole-number check for quantities, counts and points, used everywhere instead of copies."""

import re
from pathlib import Path

import pytest

from o2o.parsing import is_whole_number

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("value", "minimum", "expected"),
    [
        (3, None, True),
        (0, None, True),
        (-2, None, True),
        (0, 1, False),
        (1, 1, True),
        (-1, 0, False),
        (True, None, False),  # Python counts True as 1: not a quantity
        (2.0, None, False),
        ("2", None, False),
        (None, None, False),
    ],
)
def test_only_ints_that_are_not_bools_are_whole_numbers(value, minimum, expected):
    assert is_whole_number(value, minimum=minimum) is expected


def test_no_module_keeps_its_own_copy_of_the_check():
    copies = []
    for apps_py in ROOT.glob("*/apps.py"):
        for path in apps_py.parent.rglob("*.py"):
            if "/migrations/" in path.as_posix() or path.as_posix().endswith("o2o/parsing.py"):
                continue
            if re.search(r"isinstance\([^)]*,\s*bool\)", path.read_text()):
                copies.append(path.relative_to(ROOT).as_posix())
    assert copies == []
