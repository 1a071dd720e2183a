"""factory_boy factories for regions, stores and staff; other apps' tests import them."""

from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from stores.models import Region, Staff, Store, default_opening_hours


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"region-{n}")
    name = factory.Sequence(lambda n: f"Region {n}")


class StoreFactory(factory.django.DjangoModelFactory):
    """A direct store in Shanghai (Jing'an) open 10:00-22:00; pass latitude/longitude to move it."""

    class Meta:
        model = Store

    code = factory.Sequence(lambda n: f"store-{n:03d}")
    name = factory.Sequence(lambda n: f"Store {n:03d}")
    kind = Store.Kind.DIRECT
    region = factory.SubFactory(RegionFactory)
    city = "上海"
    district = "静安区"
    address = factory.Sequence(lambda n: f"南京西路{n}号")
    latitude = Decimal("31.229000")
    longitude = Decimal("121.448000")
    phone = "021-60000000"
    opening_hours = factory.LazyFunction(default_opening_hours)
    is_active = True
    delivers = True
    delivery_radius_km = Decimal("5.00")

    class Params:
        warehouse = factory.Trait(kind=Store.Kind.WAREHOUSE, delivers=False, delivery_radius_km=0)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    # Hashed with settings.PASSWORD_HASHERS; tests/stores/conftest.py picks a fast hasher.
    password = factory.django.Password("pass1234")


class StaffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Staff

    user = factory.SubFactory(UserFactory)
    store = factory.SubFactory(StoreFactory)
    role = Staff.Role.CLERK
    staff_code = factory.Sequence(lambda n: f"S{n:04d}")
    display_name = factory.Sequence(lambda n: f"店员{n}")
    is_active = True
