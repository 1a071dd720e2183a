import pytest
from django.contrib.auth import get_user_model

from stores.demo import DEMO_PASSWORD, demo_plan, seed_stores
from stores.models import Region, Staff, Store

pytestmark = pytest.mark.django_db


def snapshot():
    stores = list(
        Store.objects.order_by("code").values_list(
            "code", "name", "kind", "city", "district", "latitude", "longitude", "phone",
            "opening_hours", "delivers", "delivery_radius_km",
        )
    )  # fmt: skip
    staff = list(
        Staff.objects.order_by("staff_code").values_list(
            "staff_code", "user__username", "display_name", "role", "store__code", "phone"
        )
    )
    return stores, staff


def test_seed_creates_three_cities_about_thirty_stores_and_a_warehouse():
    summary = seed_stores()

    assert Region.objects.count() == 3
    assert summary["stores_created"] == 31
    assert set(Store.objects.values_list("city", flat=True)) == {"上海", "广州", "深圳"}
    warehouse = Store.objects.get(code="hq-wh")
    assert warehouse.kind == Store.Kind.WAREHOUSE and not warehouse.delivers
    shops = Store.objects.exclude(kind=Store.Kind.WAREHOUSE)
    assert shops.count() == 30
    assert shops.filter(delivers=True).count() >= 20
    for store in shops:
        clerks = store.staff.filter(role=Staff.Role.CLERK).count()
        assert 2 <= clerks <= 3, store.code
        assert store.staff.filter(role=Staff.Role.MANAGER).count() == 1
        if store.delivers:
            assert 3 <= store.delivery_radius_km <= 5


def test_demo_logins_work():
    seed_stores()
    users = get_user_model().objects
    hq = users.get(username="hq")
    assert hq.is_superuser and hq.is_staff and hq.staff.role == Staff.Role.HQ
    for username in ("hq", "manager_sh01", "clerk_sh01_1"):
        assert users.get(username=username).check_password(DEMO_PASSWORD)
    assert Staff.objects.get(staff_code="SH01-M").user.username == "manager_sh01"
    assert Staff.objects.get(staff_code="SH01-C1").store.code == "sh01"


def test_seed_is_idempotent():
    seed_stores()
    before = snapshot()

    summary = seed_stores()

    assert summary["regions_created"] == summary["stores_created"] == 0
    assert summary["staff_created"] == 0
    assert snapshot() == before


def test_seed_is_deterministic():
    assert demo_plan() == demo_plan()
    seed_stores()
    first = snapshot()
    Staff.objects.all().delete()
    get_user_model().objects.all().delete()
    Store.objects.all().delete()
    seed_stores()
    assert snapshot() == first
