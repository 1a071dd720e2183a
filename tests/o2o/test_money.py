import pytest

from o2o.money import format_yuan, parse_yuan


@pytest.mark.parametrize(
    ("fen", "text"),
    [
        (0, "¥0.00"),
        (5, "¥0.05"),
        (12345, "¥123.45"),
        (19900, "¥199.00"),
        (-250, "-¥2.50"),
        (123456789, "¥1,234,567.89"),
    ],
)
def test_format_yuan(fen, text):
    assert format_yuan(fen) == text


@pytest.mark.parametrize(
    ("text", "fen"), [("123.45", 12345), ("¥1", 100), ("0.1", 10), (" 2 ", 200)]
)
def test_parse_yuan(text, fen):
    assert parse_yuan(text) == fen


@pytest.mark.parametrize("text", ["abc", "1.234", "NaN", "Infinity", ""])
def test_parse_yuan_rejects_non_amounts(text):
    with pytest.raises(ValueError):
        parse_yuan(text)
