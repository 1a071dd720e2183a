"""The data of bench/commissions.py: stores, clerks, a catalog, commission rules, members in
3-level referral chains and 100,000 paid orders (about 250,000 lines), written set-based into the
scratch database, then vacuumed. `build()` returns the order ids.
"""

from __future__ import annotations

import contextlib
import random
import time

ORDERS = 100_000
MEMBERS = 110_000
CHAIN_STEP = 10_000  # member n was referred by member n - 10,000: chains deeper than 3
STORES = 50
CLERKS_PER_STORE = 10
CATEGORIES = 10
PRODUCTS = 200
SKUS_PER_PRODUCT = 5


@contextlib.contextmanager
def step(name: str):
    started = time.perf_counter()
    yield
    print(f"  build {name}: {time.perf_counter() - started:.1f} s", flush=True)


def build() -> list[int]:
    from datetime import timedelta

    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.utils import timezone

    from catalog.models import SKU, Category, Product
    from commissions.models import CommissionPolicy, CommissionRule
    from stores.models import Region, Staff, Store

    rng = random.Random(42)
    with transaction.atomic(), step("stores, clerks, catalog, rules"):
        region = Region.objects.create(code="bench", name="Bench")
        stores = Store.objects.bulk_create(
            Store(
                code=f"s{n:03d}",
                name=f"Store {n}",
                region=region,
                city="city",
                address=f"{n} Main Street",
                latitude=31.0 + n / 1000,
                longitude=121.0,
            )
            for n in range(STORES)
        )
        users = get_user_model().objects.bulk_create(
            get_user_model()(username=f"clerk{n}") for n in range(STORES * CLERKS_PER_STORE)
        )
        Staff.objects.bulk_create(
            Staff(
                user=user,
                store=stores[n // CLERKS_PER_STORE],
                staff_code=f"c{n:04d}",
                display_name=f"Clerk {n}",
            )
            for n, user in enumerate(users)
        )
        parents = Category.objects.bulk_create(
            Category(name=f"Top {n}", slug=f"top{n}") for n in range(CATEGORIES // 2)
        )
        categories = parents + Category.objects.bulk_create(
            Category(name=f"Sub {n}", slug=f"sub{n}", parent=parents[n % len(parents)])
            for n in range(CATEGORIES // 2)
        )
        products = Product.objects.bulk_create(
            Product(
                code=f"p{n:03d}",
                name=f"Product {n}",
                category=categories[n % len(categories)],
                base_price=rng.randrange(1990, 99900, 100),
            )
            for n in range(PRODUCTS)
        )
        SKU.objects.bulk_create(
            SKU(product=product, code=f"{product.code}-{v}", color="c", size=f"s{v}")
            for product in products
            for v in range(SKUS_PER_PRODUCT)
        )
        policy = CommissionPolicy.current()
        policy.referral_levels = 3
        policy.save()
        now = timezone.now()
        CommissionRule.objects.create(
            scope="default",
            clerk_rate_bp=300,
            level1_rate_bp=500,
            level2_rate_bp=200,
            level3_rate_bp=100,
            valid_from=now - timedelta(days=400),
        )
        for category in parents[:3]:
            CommissionRule.objects.create(
                scope="category",
                category=category,
                clerk_rate_bp=400,
                level1_rate_bp=600,
                level2_rate_bp=300,
                level3_rate_bp=150,
                valid_from=now - timedelta(days=400),
            )
        for product in products[:20]:
            CommissionRule.objects.create(
                scope="product",
                product=product,
                clerk_rate_bp=250,
                level1_rate_bp=350,
                level2_rate_bp=150,
                level3_rate_bp=50,
                valid_from=now - timedelta(days=400),
            )
    with connection.cursor() as cursor, transaction.atomic():
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("SELECT setseed(0.42)")
        with step(f"{MEMBERS:,} members"):
            cursor.execute(
                """
                INSERT INTO members_member (member_code, referral_code, nickname, avatar_url,
                    tier, joined_via, points_balance, is_active, joined_at)
                SELECT 'B' || lpad(n::text, 9, '0'), 'R' || lpad(n::text, 9, '0'), '', '',
                       'potential', 'share_link', 0, true, now()
                FROM generate_series(1, %(members)s) n
                """,
                {"members": MEMBERS},
            )
        with step("referrers and bound clerks"):
            cursor.execute(
                """
                WITH numbered AS (SELECT id, row_number() OVER (ORDER BY id) AS n
                                  FROM members_member),
                     clerks AS (SELECT array_agg(id ORDER BY id) AS ids FROM stores_staff)
                UPDATE members_member m
                SET referrer_id = CASE WHEN x.n > %(step)s THEN r.id END,
                    bound_clerk_id = clerks.ids[1 + (x.n %% array_length(clerks.ids, 1))]
                FROM numbered x
                LEFT JOIN numbered r ON r.n = x.n - %(step)s, clerks
                WHERE m.id = x.id
                """,
                {"step": CHAIN_STEP},
            )
        with step(f"{ORDERS:,} paid orders"):
            cursor.execute(
                """
                WITH buyers AS (SELECT array_agg(id ORDER BY id) AS ids FROM members_member
                                WHERE id > (SELECT min(id) + 3 * %(step)s FROM members_member))
                INSERT INTO orders_order (number, member_id, channel, fulfillment, status,
                    fulfilling_store_id, credited_store_id, credited_clerk_id, goods_amount,
                    discount_amount, points_used, points_discount_amount, shipping_amount,
                    total_amount, refunded_amount, address, note, pickup_code, paid_at,
                    created_at, updated_at)
                SELECT 'B' || lpad(g::text, 9, '0'),
                       buyers.ids[1 + (g %% array_length(buyers.ids, 1))],
                       'h5', 'pickup', 'paid', NULL, NULL, NULL, 0, 0, 0, 0, 0, 0, 0, '{}', '', '',
                       now() - random() * interval '5 days', now(), now()
                FROM generate_series(1, %(orders)s) g, buyers
                """,
                {"orders": ORDERS, "step": CHAIN_STEP},
            )
            cursor.execute(
                """
                UPDATE orders_order o SET credited_clerk_id = m.bound_clerk_id,
                       credited_store_id = s.store_id, fulfilling_store_id = s.store_id
                FROM members_member m JOIN stores_staff s ON s.id = m.bound_clerk_id
                WHERE m.id = o.member_id
                """
            )
        with step("order lines"):
            cursor.execute(
                """
                WITH skus AS (SELECT array_agg(k.id ORDER BY k.id) AS ids FROM catalog_sku k)
                INSERT INTO orders_orderline (order_id, sku_id, product_name, color, size,
                    unit_price, quantity, discount_share, refunded_quantity)
                SELECT o.id, k.id, p.name, k.color, k.size, p.base_price, q.quantity,
                       CASE WHEN (o.id + line) % 10 < 3 THEN p.base_price * q.quantity / 10
                            ELSE 0 END,
                       0
                FROM orders_order o
                CROSS JOIN LATERAL generate_series(1, 1 + (o.id % 4)) line
                CROSS JOIN LATERAL (SELECT 1 + (o.id + line) % 3 AS quantity) q
                CROSS JOIN skus
                JOIN catalog_sku k
                  ON k.id = skus.ids[1 + (o.id * 7919 + line * 104729) % array_length(skus.ids, 1)]
                JOIN catalog_product p ON p.id = k.product_id
                """
            )
            cursor.execute(
                """
                UPDATE orders_order o SET goods_amount = t.goods, discount_amount = t.discount,
                       total_amount = t.goods - t.discount
                FROM (SELECT order_id, SUM(unit_price * quantity) AS goods,
                             SUM(discount_share) AS discount
                      FROM orders_orderline GROUP BY order_id) t
                WHERE t.order_id = o.id
                """
            )
    with connection.cursor() as cursor, step("vacuum analyze"):
        cursor.execute("VACUUM ANALYZE")
    from orders.models import Order

    return list(Order.objects.order_by("pk").values_list("pk", flat=True))
