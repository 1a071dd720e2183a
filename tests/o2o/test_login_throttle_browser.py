"""On a phone: a clerk locked out after too many wrong passwords reads when to try again."""

import pytest

from o2o.login_throttle import ATTEMPTS_PER_USERNAME
from tests.stores.factories import StaffFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_locked_out_clerk_reads_when_to_try_again(page, screenshot):
    StaffFactory(user__username="clerk_sh01_1")
    page.goto("/staff/login/")
    for _attempt in range(ATTEMPTS_PER_USERNAME + 1):
        page.fill("input[name=username]", "clerk_sh01_1")
        page.fill("input[name=password]", "wrong-guess")
        page.click(".bo-login button[type=submit]")
        page.locator(".bo-login").wait_for()

    error = page.locator(".bo-login .errorlist").inner_text()
    assert "Too many attempts. Try again in 15 minutes." in error
    screenshot(page, "locked")
