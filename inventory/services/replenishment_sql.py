"""The SQL of the nightly replenishment job (`replenishment.py` runs it, step by step).

Every step is one set-based statement over the whole chain, its result kept in a temporary table
(dropped at commit) that the next step reads. Table names come in as `{level}`, `{movement}`, …
from the models' `db_table`; values only ever as `%(name)s` parameters.
"""

TEMP_TABLES = (
    "replenish_open_transfers",
    "replenish_open",
    "replenish_sales",
    "replenish_plan",
    "replenish_warehouse_proposals",
    "replenish_allocated",
    "replenish_created",
    "replenish_short",
    "replenish_near",
    "replenish_surplus",
    "replenish_candidates",
    "replenish_round",
    "replenish_rebalance",
)

# Units sold per (store, SKU) in the window: one pass over the sale movements.
SALES = """
CREATE TEMP TABLE replenish_sales ON COMMIT DROP AS
SELECT m.store_id, m.sku_id, -SUM(m.delta)::bigint AS sold
FROM {movement} m
WHERE m.reason = %(sale)s AND m.created_at >= %(since)s AND m.created_at < %(now)s
GROUP BY m.store_id, m.sku_id
HAVING SUM(m.delta) < 0
"""

# Open transfer lines per (store, SKU), read once at the start. Units coming in (proposed,
# requested or shipped to the store) count as stock on its way; proposed outgoing units are not
# reserved yet, so they come off the source's free stock, or two nights could promise them twice.
#
# The open transfers go into a small table of their own first: its statistics are exact, so the
# planner reaches their lines through the transfer_id index even when the lines table's statistics
# lag behind (right after a run that wrote a few hundred thousand lines).
OPEN_TRANSFER_IDS = """
CREATE TEMP TABLE replenish_open_transfers ON COMMIT DROP AS
SELECT id, from_store_id, to_store_id, state
FROM {transfer}
WHERE state IN (%(proposed)s, %(requested)s, %(shipped)s)
"""

OPEN_TRANSFERS = """
CREATE TEMP TABLE replenish_open ON COMMIT DROP AS
SELECT store_id, sku_id, SUM(incoming)::bigint AS incoming, SUM(outgoing)::bigint AS outgoing
FROM (
    SELECT t.to_store_id AS store_id, l.sku_id, l.quantity AS incoming, 0 AS outgoing
    FROM replenish_open_transfers t JOIN {line} l ON l.transfer_id = t.id
    UNION ALL
    SELECT t.from_store_id, l.sku_id, 0, l.quantity
    FROM replenish_open_transfers t JOIN {line} l ON l.transfer_id = t.id
    WHERE t.state = %(proposed)s
) lines
GROUP BY store_id, sku_id
"""

# The levels below their reorder point, with what they need to reach their target. Integer
# arithmetic (sold × days / window) keeps the thresholds exact: 28 units in 28 days is one a day,
# not 0.9999…
PLAN = """
CREATE TEMP TABLE replenish_plan ON COMMIT DROP AS
WITH positions AS (
    SELECT s.store_id, s.sku_id, s.sold,
           COALESCE(lv.on_hand - lv.reserved, 0) - COALESCE(o.outgoing, 0)
               + COALESCE(o.incoming, 0) AS position
    FROM replenish_sales s
    JOIN {store} st ON st.id = s.store_id AND st.is_active AND st.kind <> %(warehouse_kind)s
    JOIN {sku} k ON k.id = s.sku_id AND k.is_active
    JOIN {product} p ON p.id = k.product_id AND p.is_active
    LEFT JOIN {level} lv ON lv.store_id = s.store_id AND lv.sku_id = s.sku_id
    LEFT JOIN replenish_open o ON o.store_id = s.store_id AND o.sku_id = s.sku_id
)
SELECT store_id, sku_id, sold, position,
       %(safety)s + (sold * %(cycle)s + %(window)s - 1) / %(window)s - position AS need,
       position::numeric / sold AS cover
FROM positions
WHERE (position - %(safety)s) * %(window)s < sold * %(lead)s
"""

LEVELS_SCANNED = """
SELECT COUNT(*) FROM {level} lv
JOIN {store} st ON st.id = lv.store_id AND st.is_active AND st.kind <> %(warehouse_kind)s
"""

# Taken after the heavy reads, so reservations at the warehouse wait only for the short
# allocate-and-write part; SKU order is the (store_id, sku_id) order every writer locks in.
LOCK_WAREHOUSE = """
SELECT id FROM {level} WHERE store_id = %(warehouse)s ORDER BY sku_id FOR UPDATE
"""

WAREHOUSE_PROPOSALS = """
CREATE TEMP TABLE replenish_warehouse_proposals ON COMMIT DROP AS
SELECT id FROM {transfer} WHERE from_store_id = %(warehouse)s AND state = %(proposed)s
"""

# Shortest cover first: a running sum of needs per SKU; each store gets what is left of the
# warehouse's free stock after the stores ahead of it. The warehouse's own proposals are read
# again here, under the lock, rather than taken from the snapshot at the start.
ALLOCATE = """
CREATE TEMP TABLE replenish_allocated ON COMMIT DROP AS
WITH proposed AS (
    SELECT l.sku_id, SUM(l.quantity)::bigint AS units
    FROM replenish_warehouse_proposals t JOIN {line} l ON l.transfer_id = t.id
    GROUP BY l.sku_id
),
warehouse AS (
    SELECT lv.sku_id, GREATEST(lv.on_hand - lv.reserved - COALESCE(o.units, 0), 0) AS free
    FROM {level} lv
    LEFT JOIN proposed o ON o.sku_id = lv.sku_id
    WHERE lv.store_id = %(warehouse)s
),
ranked AS (
    SELECT p.store_id, p.sku_id, p.need, w.free,
           SUM(p.need) OVER (PARTITION BY p.sku_id ORDER BY p.cover, p.store_id
                             ROWS UNBOUNDED PRECEDING) AS running
    FROM replenish_plan p JOIN warehouse w ON w.sku_id = p.sku_id
)
SELECT store_id, sku_id, LEAST(need, free - (running - need)) AS quantity
FROM ranked
WHERE free > running - need
"""

CREATED = """
CREATE TEMP TABLE replenish_created (
    transfer_id bigint, from_store_id bigint, to_store_id bigint, kind text
) ON COMMIT DROP
"""

REPLENISHMENT_TRANSFERS = """
WITH created AS (
    INSERT INTO {transfer} (from_store_id, to_store_id, kind, state, note, requested_by_id,
                            created_at, updated_at, shipped_at, received_at)
    SELECT %(warehouse)s, d.store_id, %(replenishment)s, %(state)s, %(note)s, NULL,
           %(now)s, %(now)s, NULL, NULL
    FROM (SELECT DISTINCT store_id FROM replenish_allocated) d
    ORDER BY d.store_id
    RETURNING id, from_store_id, to_store_id, kind
)
INSERT INTO replenish_created SELECT * FROM created
"""

REPLENISHMENT_LINES = """
INSERT INTO {line} (transfer_id, sku_id, quantity)
SELECT c.transfer_id, a.sku_id, a.quantity
FROM replenish_created c JOIN replenish_allocated a ON a.store_id = c.to_store_id
WHERE c.kind = %(replenishment)s
ORDER BY c.transfer_id, a.sku_id
"""

# Auto-approved: hold the units exactly as transfer_request does — one active reservation per
# line, owned by "transfer:<id>" — and raise the warehouse's `reserved` by the same totals. The
# guard re-checks reserved <= on_hand; the rows are locked, so it fails only if the allocation is
# wrong, and the caller then rolls the whole run back.
HOLD_RESERVATIONS = """
INSERT INTO {reservation} (store_id, sku_id, quantity, expires_at, owner, state, created_at,
                           closed_at)
SELECT c.from_store_id, a.sku_id, a.quantity, %(expires)s, 'transfer:' || c.transfer_id,
       %(active)s, %(now)s, NULL
FROM replenish_created c JOIN replenish_allocated a ON a.store_id = c.to_store_id
WHERE c.kind = %(replenishment)s
ORDER BY c.transfer_id, a.sku_id
"""

HOLD_LEVELS = """
UPDATE {level} lv
SET reserved = lv.reserved + t.units, updated_at = %(now)s
FROM (SELECT sku_id, SUM(quantity) AS units FROM replenish_allocated GROUP BY sku_id) t
WHERE lv.store_id = %(warehouse)s AND lv.sku_id = t.sku_id AND lv.on_hand - lv.reserved >= t.units
"""

HELD_SKUS = "SELECT COUNT(DISTINCT sku_id) FROM replenish_allocated"

# What the warehouse could not cover.
SHORT = """
CREATE TEMP TABLE replenish_short ON COMMIT DROP AS
SELECT p.store_id, p.sku_id, p.need - COALESCE(a.quantity, 0) AS shortfall, p.cover
FROM replenish_plan p
LEFT JOIN replenish_allocated a ON a.store_id = p.store_id AND a.sku_id = p.sku_id
WHERE p.need > COALESCE(a.quantity, 0)
"""

# Pairs of active shops within the radius, for the shops still short: a bounding-box prefilter
# (a degree of longitude shrinks with the cosine of the latitude), then haversine.
NEAR = """
CREATE TEMP TABLE replenish_near ON COMMIT DROP AS
WITH shops AS (
    SELECT id, latitude::float8 AS lat, longitude::float8 AS lng
    FROM {store} WHERE is_active AND kind <> %(warehouse_kind)s
)
SELECT d.id AS to_store_id, s.id AS from_store_id, h.km
FROM shops d
JOIN shops s ON s.id <> d.id
    AND s.lat BETWEEN d.lat - %(box_lat)s AND d.lat + %(box_lat)s
    AND s.lng BETWEEN d.lng - %(box_lat)s / cos(radians(LEAST(ABS(d.lat) + %(box_lat)s, 89)))
                  AND d.lng + %(box_lat)s / cos(radians(LEAST(ABS(d.lat) + %(box_lat)s, 89)))
CROSS JOIN LATERAL (
    SELECT 2 * %(earth_radius)s * asin(LEAST(1, sqrt(
        power(sin(radians(s.lat - d.lat) / 2), 2)
        + cos(radians(d.lat)) * cos(radians(s.lat)) * power(sin(radians(s.lng - d.lng) / 2), 2)
    ))) AS km
) h
WHERE d.id IN (SELECT store_id FROM replenish_short) AND h.km <= %(radius)s
"""

# What a nearby shop can give: it keeps its own target and offers the rest, when it holds more
# than `ratio` × its target, or holds stock of a SKU it has not sold at all in the window.
SURPLUS = """
CREATE TEMP TABLE replenish_surplus ON COMMIT DROP AS
WITH holdings AS (
    SELECT lv.store_id, lv.sku_id,
           lv.on_hand - lv.reserved - COALESCE(o.outgoing, 0) AS free,
           %(safety)s + (COALESCE(sa.sold, 0) * %(cycle)s + %(window)s - 1) / %(window)s AS target,
           COALESCE(sa.sold, 0) AS sold
    FROM {level} lv
    JOIN {store} st ON st.id = lv.store_id AND st.is_active AND st.kind <> %(warehouse_kind)s
    LEFT JOIN replenish_sales sa ON sa.store_id = lv.store_id AND sa.sku_id = lv.sku_id
    LEFT JOIN replenish_open o ON o.store_id = lv.store_id AND o.sku_id = lv.sku_id
    WHERE lv.on_hand - lv.reserved > %(safety)s
      AND lv.sku_id IN (SELECT sku_id FROM replenish_short)
      AND lv.store_id IN (SELECT from_store_id FROM replenish_near)
)
SELECT store_id, sku_id, free - target AS remaining
FROM holdings
WHERE free > target AND (sold = 0 OR free > %(ratio)s * target)
"""

# Every (short shop, giver within the radius) pair for a SKU, nearest first.
CANDIDATES = """
CREATE TEMP TABLE replenish_candidates ON COMMIT DROP AS
SELECT sh.store_id AS to_store_id, sh.sku_id, n.from_store_id, n.km
FROM replenish_short sh
JOIN replenish_near n ON n.to_store_id = sh.store_id
JOIN replenish_surplus su ON su.store_id = n.from_store_id AND su.sku_id = sh.sku_id
"""

REBALANCE = """
CREATE TEMP TABLE replenish_rebalance (
    from_store_id bigint, to_store_id bigint, sku_id bigint, quantity bigint
) ON COMMIT DROP
"""

# One round: each shop still short picks the nearest shop that still has some of the SKU to
# give; a giver's surplus is shared among the shops that picked it, shortest cover first. Shops
# that got less than they need pick again in the next round, until a round gives nothing.
ROUND = """
DROP TABLE IF EXISTS replenish_round;
CREATE TEMP TABLE replenish_round ON COMMIT DROP AS
WITH choice AS (
    SELECT DISTINCT ON (c.to_store_id, c.sku_id)
           c.to_store_id, c.sku_id, sh.shortfall, sh.cover, c.from_store_id, su.remaining
    FROM replenish_candidates c
    JOIN replenish_short sh
        ON sh.store_id = c.to_store_id AND sh.sku_id = c.sku_id AND sh.shortfall > 0
    JOIN replenish_surplus su
        ON su.store_id = c.from_store_id AND su.sku_id = c.sku_id AND su.remaining > 0
    ORDER BY c.to_store_id, c.sku_id, c.km, c.from_store_id
),
shared AS (
    SELECT choice.*,
           SUM(shortfall) OVER (PARTITION BY from_store_id, sku_id ORDER BY cover, to_store_id
                                ROWS UNBOUNDED PRECEDING) AS running
    FROM choice
)
SELECT from_store_id, to_store_id, sku_id, LEAST(shortfall, remaining - (running - shortfall))
    AS quantity
FROM shared
WHERE remaining > running - shortfall
"""

ROUND_APPLY = """
INSERT INTO replenish_rebalance SELECT * FROM replenish_round;
UPDATE replenish_short s SET shortfall = s.shortfall - r.quantity
FROM replenish_round r WHERE r.to_store_id = s.store_id AND r.sku_id = s.sku_id;
UPDATE replenish_surplus s SET remaining = s.remaining - g.units
FROM (SELECT from_store_id, sku_id, SUM(quantity) AS units FROM replenish_round GROUP BY 1, 2) g
WHERE g.from_store_id = s.store_id AND g.sku_id = s.sku_id
"""

REBALANCE_TRANSFERS = """
WITH created AS (
    INSERT INTO {transfer} (from_store_id, to_store_id, kind, state, note, requested_by_id,
                            created_at, updated_at, shipped_at, received_at)
    SELECT d.from_store_id, d.to_store_id, %(rebalance)s, %(proposed)s, %(note)s, NULL,
           %(now)s, %(now)s, NULL, NULL
    FROM (SELECT DISTINCT from_store_id, to_store_id FROM replenish_rebalance) d
    ORDER BY d.to_store_id, d.from_store_id
    RETURNING id, from_store_id, to_store_id, kind
)
INSERT INTO replenish_created SELECT * FROM created
"""

REBALANCE_LINES = """
INSERT INTO {line} (transfer_id, sku_id, quantity)
SELECT c.transfer_id, r.sku_id, SUM(r.quantity)
FROM replenish_created c
JOIN replenish_rebalance r
    ON r.from_store_id = c.from_store_id AND r.to_store_id = c.to_store_id
WHERE c.kind = %(rebalance)s
GROUP BY c.transfer_id, r.sku_id
ORDER BY c.transfer_id, r.sku_id
"""

SUMMARY = """
SELECT c.kind, COUNT(DISTINCT c.transfer_id), COUNT(l.id), COALESCE(SUM(l.quantity), 0)
FROM replenish_created c JOIN {line} l ON l.transfer_id = c.transfer_id
GROUP BY c.kind
"""
