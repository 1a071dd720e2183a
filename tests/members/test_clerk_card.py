"""The clerk card partial (支付即服务)."""

import pytest
from django.template import Context, Template

from members.services.accounts import member_create
from tests.stores.factories import StaffFactory, StoreFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = "https://shop.example"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def render(member) -> str:
    return Template("{% load member_tags %}{% clerk_card member %}").render(
        Context({"member": member})
    )


def test_a_bound_member_sees_her_clerk_with_the_qr_to_add_her():
    clerk = StaffFactory(
        staff_code="lina", display_name="李娜", phone="13911112222", store__name="静安店"
    )
    member = member_create(phone="13800138000", bound_clerk=clerk, home_store=clerk.store)

    html = render(member)

    assert "Your personal clerk" in html
    assert "李娜" in html and "静安店" in html
    assert 'href="tel:13911112222"' in html
    assert 'src="/b/qr/clerk/lina.png"' in html
    assert 'class="mb-avatar mb-avatar-initials"' in html and ">李<" in html


def test_an_unbound_member_sees_her_home_store():
    store = StoreFactory(code="jingan", name="静安店", address="南京西路1号", phone="021-1234")
    member = member_create(phone="13800138000", home_store=store)

    html = render(member)

    assert "Your store" in html
    assert "静安店" in html and "南京西路1号" in html and "021-1234" in html
    assert 'src="/b/qr/store/jingan.png"' in html


def test_a_member_whose_clerk_left_sees_the_store():
    clerk = StaffFactory(is_active=False, store__code="jingan")
    member = member_create(phone="13800138000", bound_clerk=clerk, home_store=clerk.store)

    html = render(member)

    assert "Your store" in html
    assert "/b/qr/store/jingan.png" in html


@pytest.mark.parametrize("member_kind", ["no_binding", "nobody"])
def test_nothing_without_clerk_or_store(member_kind):
    member = member_create(phone="13800138000") if member_kind == "no_binding" else None

    assert render(member).strip() == ""
