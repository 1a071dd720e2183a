"""HQ's dispatch desk as HQ sees it (a desktop browser): the waiting order, the queue with its
Assign button, the chain of a reassigned order and the per-store figures."""

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import expect

from tests.dispatch.conftest import minutes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser_context_options():
    return {"viewport": {"width": 1280, "height": 900}, "is_mobile": False, "has_touch": False}


def test_hq_reads_the_dispatch_desk(city, week, page, screenshot):
    orders = week(timezone.now() - minutes(90))
    get_user_model().objects.create_superuser("hq-admin", "hq@o2o.example", "pw")

    page.goto(f"{page.base_url}/admin/login/?next=/admin/dispatch/dispatch/")
    page.fill("input[name=username]", "hq-admin")
    page.fill("input[name=password]", "pw")
    page.locator("input[type=submit]").click()
    page.get_by_role("link", name="HQ dispatch desk").click()

    expect(page.locator("#hq-waiting")).to_contain_text(orders["c"].order.number)
    expect(page.locator("#hq-queue")).to_contain_text(orders["e"].order.number)
    expect(page.locator("#hq-reassigned")).to_contain_text("near: Declined “no courier”")
    expect(page.locator('#hq-stats tr[data-store="near"]')).to_contain_text("7:30")
    screenshot(page, "hq-desk")

    page.locator("#hq-queue").get_by_role("link", name="Assign to a store").click()
    expect(page.locator("select[name=store]")).to_be_visible()
