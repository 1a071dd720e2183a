"""Favorites and share visits moved from orders to members (DESIGN §3) without losing a row:
migrate back to before the move, write rows the old way, migrate forward, read them the new
way."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from members.models import Favorite, ShareVisit

BEFORE_THE_MOVE = [
    ("orders", "0006_order_event_kind_choices"),
    ("members", "0002_verbose_names"),
]


def _tables() -> set[str]:
    with connection.cursor() as cursor:
        return set(connection.introspection.table_names(cursor))


@pytest.mark.django_db(transaction=True)
def test_favorites_and_share_visits_keep_their_rows_when_they_move_to_members():
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    try:
        executor.migrate(BEFORE_THE_MOVE)
        old = executor.loader.project_state(BEFORE_THE_MOVE).apps
        category = old.get_model("catalog", "Category").objects.create(name="女装", slug="w")
        product = old.get_model("catalog", "Product").objects.create(
            code="dress", name="真丝连衣裙", category=category, base_price=59900
        )
        member = old.get_model("members", "Member").objects.create(
            member_code="M000000001", referral_code="R000001"
        )
        old.get_model("orders", "Favorite").objects.create(member=member, product=product)
        old.get_model("orders", "ShareVisit").objects.create(
            sharer=member, product=product, visitor_session="s1"
        )
        assert {"orders_favorite", "orders_sharevisit"} <= _tables()

        executor = MigrationExecutor(connection)
        executor.migrate(latest)
    finally:
        # Whatever happened, leave the schema as the rest of the suite expects it.
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())

    tables = _tables()
    assert {"members_favorite", "members_sharevisit"} <= tables
    assert not {"orders_favorite", "orders_sharevisit"} & tables
    favorite = Favorite.objects.select_related("member", "product").get()
    assert (favorite.member.member_code, favorite.product.code) == ("M000000001", "dress")
    visit = ShareVisit.objects.get()
    assert (visit.sharer_id, visit.visitor_session) == (favorite.member_id, "s1")
