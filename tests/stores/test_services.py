import pytest
from django.contrib.auth import get_user_model

from stores.models import Staff
from stores.services import staff_create
from tests.stores.factories import StaffFactory, StoreFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def store():
    return StoreFactory(code="sh01", name="上海静安嘉里中心店", phone="021-61110000")


def test_staff_create_makes_user_and_staff_together(store):
    staff = staff_create(
        store=store,
        username="clerk_new",
        display_name="赵雪",
        role=Staff.Role.CLERK,
        staff_code="SH01-C9",
        password="secret-pass-1",
        phone="13800000001",
    )
    assert staff.user.check_password("secret-pass-1")
    assert staff.store == store and staff.role == Staff.Role.CLERK
    assert not staff.user.is_staff


def test_staff_create_rolls_back_the_user_when_the_staff_row_fails(store):
    StaffFactory(store=store, staff_code="SH01-C1")
    with pytest.raises(Exception):  # noqa: B017 - the duplicate staff code's validation error
        staff_create(
            store=store,
            username="clerk_dup",
            display_name="重复",
            role=Staff.Role.CLERK,
            staff_code="SH01-C1",
        )
    assert not get_user_model().objects.filter(username="clerk_dup").exists()
