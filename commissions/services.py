"""Commission services. The ledger, rules and wallet come with the commission issue; the order
flow already calls these at the right moments (explicit calls, not signals), so filling them in
changes no caller."""


def commission_reverse_for_refund(*, order, refund) -> int:
    """Reverse the refunded share of an order's commission entries; returns entries written.

    No commission is recorded yet, so there is nothing to reverse.
    """
    return 0
