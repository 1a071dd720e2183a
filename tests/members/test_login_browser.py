"""On a phone: after a code is sent, reloading the login page keeps the code step."""

import pytest
from django.core.cache import cache

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _sms(settings):
    settings.DEMO_MODE = False
    settings.SMS_BACKEND = "members.sms.MemoryBackend"
    cache.clear()
    yield
    cache.clear()


def test_a_reload_keeps_the_code_step_with_its_resend_countdown(page, screenshot):
    page.goto("/m/login/")
    page.fill("input[name=phone]", "13800138000")
    page.click(".mb-login-form button[type=submit]")
    page.locator("input[name=code]").wait_for()

    page.reload()

    assert "13800138000" in page.locator(".mb-sent-to").inner_text()
    resend = page.locator(".mb-resend button")
    assert resend.is_disabled() and "s)" in resend.inner_text()
    screenshot(page, "reloaded")
    page.click("text=Use another number")
    assert page.locator("input[name=phone]").is_visible()
