"""Demo stock: every store stocks part of the range, the warehouse holds the rest, and four weeks
of sales give the replenishment job something to work on. Deterministic; skipped when stock
already exists."""

from __future__ import annotations

import random
from datetime import timedelta

from django.db import connection, transaction
from django.utils import timezone
from psycopg2.extras import execute_values

from catalog.models import SKU
from inventory.models import StockLevel, StockMovement
from stores.models import Store


@transaction.atomic
def seed_inventory() -> dict:
    if StockLevel.objects.exists():
        return {"levels_created": 0, "movements_created": 0}
    rng = random.Random(2026)
    now = timezone.now()
    skus = list(SKU.objects.filter(is_active=True, product__is_active=True).order_by("pk"))
    stores = list(Store.objects.filter(is_active=True).order_by("pk"))
    levels: list[StockLevel] = []
    movements: list[tuple] = []  # (store, sku, delta, reason, reference, created_at)
    for store in stores:
        for sku in skus:
            if store.is_warehouse:
                on_hand, sold = rng.randint(30, 80), 0
            else:
                # Each store carries about 60% of the range (铺货), a few sizes sold out.
                if rng.random() > 0.6:
                    continue
                on_hand = rng.choice([0, 1, 2, 3, 4, 5, 6, 8, 10])
                sold = rng.choice([0, 0, 1, 2, 3, 5])
            levels.append(StockLevel(store=store, sku=sku, on_hand=on_hand))
            received_at = now - timedelta(days=30)
            if on_hand + sold:
                movements.append((store.pk, sku.pk, on_hand + sold, "receipt", "demo", received_at))
            for unit in range(sold):
                sold_at = now - timedelta(days=rng.randint(1, 27), hours=rng.randint(0, 10))
                movements.append((store.pk, sku.pk, -1, "sale", f"demo-sale-{unit}", sold_at))
    StockLevel.objects.bulk_create(levels, batch_size=2000)
    # The ledger's created_at is set by the database on insert; history needs its own dates.
    table = StockMovement._meta.db_table
    with connection.cursor() as cursor:
        execute_values(
            cursor.cursor,
            f"INSERT INTO {table} (store_id, sku_id, delta, reason, reference, created_at, note) "  # noqa: S608 - table name from the model
            "VALUES %s",
            [(*movement, "") for movement in movements],
            page_size=2000,
        )
    return {"levels_created": len(levels), "movements_created": len(movements)}
