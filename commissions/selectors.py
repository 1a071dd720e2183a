"""Reads of the commission ledger shared by the shopper pages, the back office and the admin.

Every figure shown to a payee is summed from her entries here (never taken from the wallet's
stored figures, which `commissions_check` compares with these sums), and every entry names what
explains it: the order, the buyer's masked name, the level, the rate and the status. Team pages
show other members only by a masked name.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMonth

from commissions.models import CommissionEntry, Wallet, Withdrawal
from commissions.withdrawal_status import OPEN
from members.models import Member
from orders.models import Order

E = CommissionEntry


def masked_name(member: Member | None) -> str:
    """ "林**", "138****0001": enough to recognise a friend, nothing to contact her with."""
    if member is None:
        return "—"
    if member.nickname:
        return member.nickname[:1] + "**"
    if member.phone:
        return f"{member.phone[:3]}****{member.phone[-4:]}"
    return f"{member.member_code[:2]}****"


@dataclass(frozen=True)
class WalletFigures:
    pending: int = 0
    available: int = 0
    requested: int = 0
    withdrawn: int = 0
    reversed: int = 0


def _sum(condition: Q):
    return Sum("amount", filter=condition, default=0)


LEDGER_FIGURES = {
    "pending": _sum(Q(status=E.Status.PENDING)),
    "available": _sum(Q(status=E.Status.CONFIRMED, withdrawal__isnull=True)),
    "requested": _sum(Q(status=E.Status.CONFIRMED, withdrawal__isnull=False)),
    "withdrawn": _sum(Q(status=E.Status.WITHDRAWN)),
    "reversed": Sum("amount", filter=Q(kind=E.Kind.REVERSAL), default=0),
}


def wallet_figures(wallet: Wallet | None) -> WalletFigures:
    """The wallet's figures summed from its ledger entries (one query)."""
    if wallet is None:
        return WalletFigures()
    sums = E.objects.filter(wallet=wallet).aggregate(**LEDGER_FIGURES)
    sums["reversed"] = -sums["reversed"]
    return WalletFigures(**sums)


def wallet_of(*, member=None, staff=None) -> Wallet | None:
    lookup = {"member": member} if member is not None else {"staff": staff}
    return Wallet.objects.filter(**lookup).first()


@dataclass(frozen=True)
class EntryRow:
    entry: CommissionEntry
    buyer: str

    @property
    def order_number(self) -> str:
        return self.entry.order.number


def wallet_entries(wallet: Wallet | None, *, limit: int = 50) -> list[EntryRow]:
    """The wallet's latest entries with what explains each (3 queries whatever the count)."""
    if wallet is None:
        return []
    entries = (
        E.objects.filter(wallet=wallet)
        .select_related("order", "buyer", "withdrawal", "order_line")
        .order_by("-created_at", "-id")[:limit]
    )
    return [EntryRow(entry=entry, buyer=masked_name(entry.buyer)) for entry in entries]


def wallet_withdrawals(wallet: Wallet | None, *, limit: int = 10) -> list[Withdrawal]:
    if wallet is None:
        return []
    return list(wallet.withdrawals.order_by("-created_at", "-id")[:limit])


def wallet_open_withdrawal(wallet: Wallet | None) -> Withdrawal | None:
    if wallet is None:
        return None
    return wallet.withdrawals.filter(status__in=OPEN).order_by("-created_at").first()


@dataclass(frozen=True)
class TeamLevel:
    level: int
    count: int
    earned: int  # net commission their orders earned for the member
    members: list[tuple[str, int]]  # (masked name, net commission from her orders)


def member_team(member: Member, *, limit: int = 30) -> list[TeamLevel]:
    """Her level-1 members (she referred them) and level-2 members (they referred them): how
    many, and what their orders earned her, each by a masked name only."""
    wallet = wallet_of(member=member)
    levels = []
    for level, lookup in ((1, "referrer"), (2, "referrer__referrer")):
        team = Member.objects.filter(**{lookup: member})
        earned_by_buyer = (
            dict(
                E.objects.filter(wallet=wallet, level=level)
                .values("buyer")
                .annotate(total=Sum("amount"))
                .values_list("buyer", "total")
            )
            if wallet
            else {}
        )
        people = list(team.order_by("-joined_at", "-id")[:limit])
        levels.append(
            TeamLevel(
                level=level,
                count=team.count(),
                earned=sum(earned_by_buyer.values()),
                members=[(masked_name(m), earned_by_buyer.get(m.pk, 0)) for m in people],
            )
        )
    return levels


# ---- HQ reports ---------------------------------------------------------------------------------

REPORT_GROUPS = {
    "clerk": [
        "wallet__staff__staff_code",
        "wallet__staff__display_name",
        "wallet__staff__store__code",
    ],
    "member": ["wallet__member__member_code", "wallet__member__nickname", "wallet__member__phone"],
    "store": ["store__code", "store__name"],
    "month": ["month"],
}
REPORT_FIGURES = {
    "earned": _sum(Q(kind=E.Kind.EARNING)),
    "reversed": _sum(Q(kind=E.Kind.REVERSAL)),
    "net": Sum("amount", default=0),
    "pending": _sum(Q(status=E.Status.PENDING)),
    "confirmed": _sum(Q(status=E.Status.CONFIRMED)),
    "withdrawn": _sum(Q(status=E.Status.WITHDRAWN)),
    "entries": Count("id"),
}


def commission_report(*, group: str, since=None, until=None) -> list[dict]:
    """Commission by clerk, member, store (the order's credited store) or month of the entry,
    for entries written in [since, until): earned, reversed (negative), net, and the net by
    status. One GROUP BY query."""
    entries = E.objects.all()
    if since is not None:
        entries = entries.filter(created_at__gte=since)
    if until is not None:
        entries = entries.filter(created_at__lt=until)
    if group == "clerk":
        entries = entries.filter(wallet__staff__isnull=False)
    elif group == "member":
        entries = entries.filter(wallet__member__isnull=False)
    elif group == "month":
        entries = entries.annotate(month=TruncMonth("created_at"))
    fields = REPORT_GROUPS[group]
    ordering = fields if group == "month" else ["-net", *fields]
    return list(entries.values(*fields).annotate(**REPORT_FIGURES).order_by(*ordering))


# ---- the clerk's pages --------------------------------------------------------------------------


@dataclass(frozen=True)
class CustomerOrder:
    order: object  # orders.Order
    commission: int  # the clerk's net commission on it


def clerk_customer_orders(staff, *, limit: int = 50) -> list[CustomerOrder]:
    """Latest orders of the members bound to her, with what each earned her (3 queries)."""
    orders = list(
        Order.objects.filter(member__bound_clerk=staff)
        .exclude(status__in=[Order.Status.PENDING_PAYMENT, Order.Status.EXPIRED])
        .select_related("member", "fulfilling_store")
        .order_by("-created_at", "-id")[:limit]
    )
    wallet = wallet_of(staff=staff)
    earned = (
        dict(
            E.objects.filter(wallet=wallet, order__in=orders)
            .values("order")
            .annotate(total=Sum("amount"))
            .values_list("order", "total")
        )
        if wallet and orders
        else {}
    )
    return [CustomerOrder(order=order, commission=earned.get(order.pk, 0)) for order in orders]
