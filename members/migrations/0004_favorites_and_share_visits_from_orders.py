"""Favorites and share visits move here from orders (orders 0005 let go of them): the models
enter the members app's state on their existing tables, then the tables are renamed to
members_favorite and members_sharevisit. Rows, constraints and indexes are kept as they are."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0001_initial"),
        ("members", "0003_gift_pickup_code_unique_among_open_pickups"),
        ("orders", "0007_favorites_and_share_visits_move_to_members"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Favorite",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "member",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="favorites",
                                to="members.member",
                                verbose_name="member",
                            ),
                        ),
                        (
                            "product",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="catalog.product",
                                verbose_name="product",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "orders_favorite",
                        "ordering": ["-created_at"],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("member", "product"), name="favorite_once"
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="ShareVisit",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("visitor_session", models.CharField(blank=True, max_length=40)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "product",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="catalog.product",
                                verbose_name="product",
                            ),
                        ),
                        (
                            "sharer",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="members.member",
                                verbose_name="shared by",
                            ),
                        ),
                        (
                            "visitor",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to="members.member",
                                verbose_name="visitor",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "orders_sharevisit",
                        "ordering": ["-created_at"],
                        "indexes": [
                            models.Index(
                                fields=["sharer", "created_at"], name="share_visit_sharer_idx"
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        # Now the tables follow the app that owns them (ALTER TABLE ... RENAME: the rows stay).
        migrations.AlterModelTable(name="favorite", table=None),
        migrations.AlterModelTable(name="sharevisit", table=None),
    ]
