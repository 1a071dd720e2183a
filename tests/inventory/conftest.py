"""Stores and SKUs for inventory tests, made directly so these tests depend on nothing else."""

import itertools

import pytest

from catalog.models import SKU, Category, Product
from stores.models import Region, Store

_serial = itertools.count(1)


@pytest.fixture
def make_store(db):
    def make(
        code=None,
        *,
        kind=Store.Kind.DIRECT,
        latitude=31.2300,
        longitude=121.4700,
        city="上海",
        is_active=True,
        **extra,
    ):
        region, _ = Region.objects.get_or_create(code="sh", defaults={"name": "上海"})
        code = code or f"st{next(_serial)}"
        return Store.objects.create(
            code=code,
            name=f"门店 {code}",
            kind=kind,
            region=region,
            city=city,
            address="测试路 1 号",
            latitude=latitude,
            longitude=longitude,
            is_active=is_active,
            **extra,
        )

    return make


@pytest.fixture
def make_sku(db):
    def make(code=None, *, price=9900, **extra):
        category, _ = Category.objects.get_or_create(slug="test", defaults={"name": "测试"})
        serial = next(_serial)
        product = Product.objects.create(
            code=f"p{serial}", name=f"商品 {serial}", category=category, base_price=price
        )
        return SKU.objects.create(
            product=product, code=code or f"sku{serial}", color="黑色", size="M", **extra
        )

    return make


@pytest.fixture
def store(make_store):
    return make_store("main")


@pytest.fixture
def sku(make_sku):
    return make_sku("hot")
