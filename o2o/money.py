"""Money is integer fen everywhere (DESIGN §4); these are the only conversions to and from yuan."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation


def format_yuan(fen: int | None, *, symbol: str = "¥") -> str:
    """12345 → '¥123.45'; negative amounts keep their sign before the symbol."""
    if fen is None:
        return ""
    fen = int(fen)
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(fen), 100)
    return f"{sign}{symbol}{yuan:,}.{cents:02d}"


def parse_yuan(text: str | int | Decimal) -> int:
    """'123.45' → 12345 fen. Raises ValueError for anything that is not an amount in yuan."""
    try:
        amount = Decimal(str(text).strip().lstrip("¥"))
    except InvalidOperation as error:
        raise ValueError(f"not an amount: {text!r}") from error
    if not amount.is_finite():
        raise ValueError(f"not an amount: {text!r}")
    fen = (amount * 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP)
    if fen != amount * 100:
        raise ValueError(f"more than two decimals: {text!r}")
    return int(fen)


def allocate_pro_rata(total: int, weights: list[int]) -> list[int]:
    """Split `total` fen over `weights` in proportion, exactly (largest remainder).

    Used to spread an order-level discount over its lines, so refunds and commission by line
    add up to the order's figures to the fen.
    """
    if total < 0 or any(weight < 0 for weight in weights):
        raise ValueError("amounts and weights must not be negative")
    whole = sum(weights)
    if whole == 0:
        if total:
            raise ValueError("cannot allocate an amount over zero weights")
        return [0] * len(weights)
    shares = [total * weight // whole for weight in weights]
    remainders = sorted(range(len(weights)), key=lambda i: (-(total * weights[i] % whole), i))
    for i in remainders[: total - sum(shares)]:
        shares[i] += 1
    return shares
