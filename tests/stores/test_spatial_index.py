"""The spatial indexes are used: a query repeats the indexed expression or silently scans.

The table is small in tests, so sequential scans and sorts are switched off for the check: the
planner then shows whether it *can* use the index, which is what a drifted expression breaks.
"""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from stores.models import Region, Store
from stores.selectors import (
    DELIVERY_AREA_CONDITION_SQL,
    DELIVERY_AREA_SQL,
    STORE_POINT_SQL,
    stores_nearest,
)
from tests.stores.factories import StoreFactory

pytestmark = pytest.mark.django_db

JING_AN = (31.2290, 121.4480)


def index_conditions(plan: str) -> list[str]:
    """The conditions an index answers (not rows filtered after reading them)."""
    return [line for line in plan.splitlines() if "Index Cond:" in line or "Order By:" in line]


def plan_of(sql: str, params=()) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.fixture
def ring_of_stores():
    """Given forty stores around Jing'an, one every ~0.3 km outwards, and 400 in Guangzhou."""
    for n in range(40):
        StoreFactory(
            code=f"ring{n:02d}",
            latitude=Decimal(f"{JING_AN[0] + 0.003 * n:.6f}"),
            longitude=Decimal(f"{JING_AN[1] + 0.002 * (n % 7):.6f}"),
        )
    far = StoreFactory.build_batch(
        400, latitude=Decimal("23.130000"), region=Region.objects.first()
    )
    for n, store in enumerate(far):
        store.longitude = Decimal(f"{113.0 + n * 0.001:.6f}")
    Store.objects.bulk_create(far)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {Store._meta.db_table}")


def test_nearest_stores_read_the_point_index_nearest_first(ring_of_stores):
    with CaptureQueriesContext(connection) as queries:
        stores_nearest(latitude=JING_AN[0], longitude=JING_AN[1], limit=10)

    plan = plan_of(queries.captured_queries[0]["sql"])
    assert "Index Scan using store_point_gist" in plan
    assert any("<->" in condition for condition in index_conditions(plan))


def test_a_callers_own_queryset_reads_the_point_index_too(ring_of_stores):
    delivering = Store.objects.filter(is_active=True, delivers=True)
    with CaptureQueriesContext(connection) as queries:
        stores_nearest(latitude=JING_AN[0], longitude=JING_AN[1], limit=10, queryset=delivering)

    plan = plan_of(queries.captured_queries[0]["sql"])
    assert "Index Scan using store_point_gist" in plan
    assert any("<->" in condition for condition in index_conditions(plan))


def test_nearest_stores_are_whole_stores_in_one_query(ring_of_stores, django_assert_num_queries):
    with django_assert_num_queries(1):
        found = stores_nearest(latitude=JING_AN[0], longitude=JING_AN[1], limit=3)
        store = found[0].store
        # As the ORM loads them: the region joined in, JSON decoded, decimals exact.
        assert store.region.code
        assert store.opening_hours["mon"] == ["10:00", "22:00"]
        assert store.is_open_at() in {True, False}
    assert store.code == "ring00"
    assert store.latitude == Decimal("31.229000")
    assert found[0].display_km == pytest.approx(found[0].distance_km, rel=0.01)


def test_the_capped_search_reads_the_point_index_inside_a_box(ring_of_stores):
    with CaptureQueriesContext(connection) as queries:
        stores_nearest(latitude=JING_AN[0], longitude=JING_AN[1], limit=3, max_radius_km=2)

    for query in queries.captured_queries:
        plan = plan_of(query["sql"])
        assert "store_point_gist" in plan
        assert any("<@" in condition for condition in index_conditions(plan))


def test_the_delivery_area_index_answers_which_stores_cover_a_point(ring_of_stores):
    Store.objects.filter(code="ring39").update(delivers=False)
    area = DELIVERY_AREA_SQL.format(t="s")
    sql = (
        f"SELECT s.code FROM {Store._meta.db_table} s "  # noqa: S608 - fixed SQL from constants
        f"WHERE {DELIVERY_AREA_CONDITION_SQL.format(t='s')} "
        f"AND {area} @> box(point(%s, %s), point(%s, %s))"
    )
    point = (JING_AN[1], JING_AN[0]) * 2

    plan = plan_of(sql, point)
    assert "store_delivery_area_gist" in plan
    assert any("@>" in condition for condition in index_conditions(plan))
    with connection.cursor() as cursor:
        cursor.execute(sql, point)
        covering = {row[0] for row in cursor.fetchall()}
    # The factory's stores deliver 5 km around them: the ring up to ~5 km covers Jing'an, the
    # store that stopped delivering does not, and nothing further out does either.
    assert "ring00" in covering and "ring39" not in covering
    assert "ring38" not in covering  # ~12.7 km north


def test_the_point_expression_is_the_indexed_one():
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'store_point_gist'")
        (definition,) = cursor.fetchone()
    assert "gist (point((longitude)::double precision, (latitude)::double precision))" in definition
    assert STORE_POINT_SQL.format(t="x") == "point(x.longitude::float8, x.latitude::float8)"
