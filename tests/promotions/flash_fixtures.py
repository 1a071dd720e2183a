"""A flash sale over the order tests' shop: five stores with 10 units of quota each, plenty of
stock, shoppers to compete (tests/promotions/conftest.py makes these fixtures)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from inventory.services import stock_adjust
from members.services.accounts import member_get_or_create_by_phone
from promotions.models import FlashSale
from promotions.services.flash import flash_quotas_set
from stores.models import Store


def flash_sale_make(shop, *, stores, per_store=10, total=None, limit=1, buckets=4, **extra):
    now = timezone.now()
    sale = FlashSale.objects.create(
        title="1元抢 真丝连衣裙",
        sku=shop.sku_m,
        price=100,
        shipping_fee=1500,
        starts_at=extra.pop("starts_at", now - timedelta(minutes=1)),
        ends_at=extra.pop("ends_at", now + timedelta(hours=1)),
        total_quota=total if total is not None else per_store * len(stores),
        per_member_limit=limit,
        buckets_per_store=buckets,
        **extra,
    )
    flash_quotas_set(sale=sale, quotas={store: per_store for store in stores})
    return sale


def shoppers_make(count: int) -> list:
    return [member_get_or_create_by_phone(phone=f"137{index:08d}")[0] for index in range(count)]


@pytest.fixture
def flash_shop(shop):
    """sh01 … sh05 each with 100 M dresses; sh01 is the shop's own store."""
    stores = [shop.store, shop.other_store]
    for number in range(3, 6):
        stores.append(
            Store.objects.create(
                code=f"sh0{number}",
                name=f"sh0{number} 店",
                region=shop.store.region,
                city="上海",
                address="淮海中路 1 号",
                latitude=31.22,
                longitude=121.46,
            )
        )
    for store in stores:
        stock_adjust(store=store, sku=shop.sku_m, delta=100, reason="receipt")
    shop.stores = stores
    return shop


def run_together(count: int, work, *, timeout: float = 60.0) -> list:
    """Run work(index) in `count` threads released together by a barrier; each closes its own
    connection. Returns the results (an exception instance where one raised)."""
    barrier = threading.Barrier(count, timeout=timeout)
    results: list = [None] * count

    def run(index):
        try:
            connection.ensure_connection()
            barrier.wait()
            results[index] = work(index)
        except Exception as error:  # noqa: BLE001 - the test inspects what each thread met
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    assert not any(thread.is_alive() for thread in threads), "a thread did not finish in time"
    return results
