"""The back office on a clerk's phone: log in, land on today's page with the store and team."""

import pytest

from stores.models import Staff
from tests.stores.factories import StaffFactory, StoreFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_clerk_logs_in_on_a_phone(page, screenshot, settings):
    settings.DEMO_MODE = True
    store = StoreFactory(code="sh01", name="上海静安嘉里中心店", address="南京西路1515号B1")
    StaffFactory(
        store=store,
        role=Staff.Role.MANAGER,
        display_name="王芳",
        staff_code="SH01-M",
        phone="13800000001",
    )
    StaffFactory(
        store=store, display_name="李娜", staff_code="SH01-C1", user__username="clerk_sh01_1"
    )
    StaffFactory(store=store, display_name="张敏", staff_code="SH01-C2")  # fmt: skip

    page.goto("/staff/")
    assert "/staff/login/" in page.url
    assert page.locator(".bo-demo").is_visible()
    screenshot(page, "login")

    page.fill("input[name=username]", "clerk_sh01_1")
    page.fill("input[name=password]", "pass1234")
    page.click(".bo-login button[type=submit]")
    page.wait_for_url(lambda url: url.endswith("/staff/") and "login" not in url)

    assert "上海静安嘉里中心店" in page.locator(".bo-store-card").inner_text()
    team = page.locator(".bo-team").inner_text()
    assert "王芳" in team and "李娜" in team and "张敏" in team
    screenshot(page, "home")
