"""Spatial indexes on stores: GiST on PostgreSQL's built-in `point` and `box` (no PostGIS).

- store_point_gist: the store as point(longitude, latitude), for nearest-first (KNN, `<->`) and
  in-a-box (`<@`) lookups (stores.selectors.stores_nearest, transfer sources in dispatch).
- store_delivery_area_gist: for delivering active stores, the box that holds the whole delivery
  circle (dispatch routing: `area @> box(point, point)` finds every store that may deliver to a
  point).

The expressions are frozen copies of STORE_POINT_SQL and DELIVERY_AREA_SQL in stores/selectors.py:
a query uses an index only when it repeats the indexed expression, so a change there needs a new
migration here (tests/stores/test_spatial_index.py checks that queries use both indexes). The
(latitude, longitude) b-tree they replace served the old bounding-box search.
"""

from django.db import migrations

KM_PER_DEGREE = "111.1950802335329::float8"
D_LAT = f"(delivery_radius_km::float8 / {KM_PER_DEGREE} + 1e-06::float8)"
D_LNG = (
    f"(delivery_radius_km::float8 / ({KM_PER_DEGREE} * cos(radians("
    f"least(89::float8, abs(latitude::float8) + {D_LAT})))) + 1e-06::float8)"
)
DELIVERY_AREA = (
    f"box(point(longitude::float8 - {D_LNG}, latitude::float8 - {D_LAT}), "
    f"point(longitude::float8 + {D_LNG}, latitude::float8 + {D_LAT}))"
)


class Migration(migrations.Migration):

    dependencies = [
        ('stores', '0001_initial'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='store',
            name='store_coordinates_idx',
        ),
        migrations.RunSQL(
            sql="CREATE INDEX store_point_gist ON stores_store "
            "USING gist (point(longitude::float8, latitude::float8))",
            reverse_sql="DROP INDEX store_point_gist",
        ),
        migrations.RunSQL(
            sql=f"CREATE INDEX store_delivery_area_gist ON stores_store USING gist ({DELIVERY_AREA}) "
            "WHERE is_active AND delivers",
            reverse_sql="DROP INDEX store_delivery_area_gist",
        ),
    ]
