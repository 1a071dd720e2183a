"""Member tiers, recomputed nightly from the orders (DESIGN §4 "Points and tiers").

The tier is a member's, but it is read off her orders, so the job lives here, above both apps
(members never reads orders).

potential: never bought; regular: has bought; loyal: over HQ's purchase-count or spend threshold
in the last 12 months; advocate: loyal and has referred members who bought.

The whole recompute is one set-based UPDATE, so it costs the same two round trips for ten members
or ten million, and a re-run (a duplicated beat, cron and Celery both firing) is harmless. The
same statement, limited to a few members, sets a buyer's tier at her purchase (and her referrer's,
who may have become an advocate), so nobody waits for the night to leave "potential".
"""

from __future__ import annotations

from datetime import datetime

from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from members.models import LoyaltyPolicy, Member
from orders.models import Order
from orders.status import SOLD

# Table names are written out (not formatted in) so the statement is a constant string.
_RECOMPUTE_SQL = """
WITH sold AS (
    SELECT member_id,
           COUNT(*) FILTER (WHERE sold_at BETWEEN %(since)s AND %(now)s) AS recent_orders,
           COALESCE(
               SUM(total_amount - refunded_amount)
                   FILTER (WHERE sold_at BETWEEN %(since)s AND %(now)s),
               0
           ) AS recent_spend
    FROM (
        SELECT member_id, total_amount, refunded_amount,
               COALESCE(completed_at, paid_at, created_at) AS sold_at
        FROM orders_order
        WHERE member_id IS NOT NULL AND status = ANY(%(sold)s)
          AND (%(everyone)s OR member_id = ANY(%(members)s))
    ) AS sold_orders
    GROUP BY member_id
),
buyers AS (
    -- A purchase ever: an order in a sold state, or any sale imported from the POS.
    SELECT DISTINCT member_id
    FROM orders_order
    WHERE member_id IS NOT NULL AND (status = ANY(%(sold)s) OR channel = %(pos)s)
      AND (
          %(everyone)s
          OR member_id = ANY(%(members)s)
          OR member_id IN (SELECT id FROM members_member WHERE referrer_id = ANY(%(members)s))
      )
),
computed AS (
    SELECT m.id,
           CASE
               WHEN b.member_id IS NULL THEN %(potential)s
               WHEN COALESCE(s.recent_orders, 0) < %(min_orders)s
                    AND COALESCE(s.recent_spend, 0) < %(min_spend)s THEN %(regular)s
               WHEN EXISTS (
                   SELECT 1 FROM members_member AS referred
                   JOIN buyers AS rb ON rb.member_id = referred.id
                   WHERE referred.referrer_id = m.id
               ) THEN %(advocate)s
               ELSE %(loyal)s
           END AS tier
    FROM members_member AS m
    LEFT JOIN buyers AS b ON b.member_id = m.id
    LEFT JOIN sold AS s ON s.member_id = m.id
    WHERE %(everyone)s OR m.id = ANY(%(members)s)
)
UPDATE members_member AS target
SET tier = computed.tier
FROM computed
WHERE computed.id = target.id AND target.tier IS DISTINCT FROM computed.tier
"""


def twelve_months_before(moment: datetime) -> datetime:
    """The same local date a year earlier (29 February falls back to the 28th)."""
    local = timezone.localtime(moment)
    try:
        return local.replace(year=local.year - 1)
    except ValueError:
        return local.replace(year=local.year - 1, day=28)


def _tiers_update(*, now: datetime, member_ids: list[int] | None) -> int:
    """Run the recompute for everyone (None) or for `member_ids`; returns the rows changed."""
    policy = LoyaltyPolicy.current()
    tier = Member.Tier
    with connection.cursor() as cursor:
        cursor.execute(
            _RECOMPUTE_SQL,
            {
                "everyone": member_ids is None,
                "members": list(member_ids or []),
                "since": twelve_months_before(now),
                "now": now,
                "sold": sorted(str(status) for status in SOLD),
                "pos": str(Order.Channel.POS),
                "min_orders": policy.loyal_min_orders,
                "min_spend": policy.loyal_min_spend,
                "potential": str(tier.POTENTIAL),
                "regular": str(tier.REGULAR),
                "loyal": str(tier.LOYAL),
                "advocate": str(tier.ADVOCATE),
            },
        )
        return cursor.rowcount


@transaction.atomic
def tiers_recompute(*, now: datetime | None = None) -> dict[str, int]:
    """Set every member's tier from her orders; returns members per tier and how many changed.

    Purchases counted for "loyal" are orders in a sold state (paid, ready, shipped, completed)
    in the 12 months before `now`; spend is what they cost minus what was refunded.
    """
    changed = _tiers_update(now=now or timezone.now(), member_ids=None)
    tier = Member.Tier
    counts = {value: 0 for value in tier.values}
    counts.update(Member.objects.order_by().values_list("tier").annotate(count=Count("id")))
    counts["changed"] = changed
    return counts


@transaction.atomic
def member_tier_refresh(*, member: Member, now: datetime | None = None) -> None:
    """Set the tier of a member who just bought, and of her referrer, by the nightly rules."""
    member_ids = [member.pk] + ([member.referrer_id] if member.referrer_id else [])
    _tiers_update(now=now or timezone.now(), member_ids=member_ids)
