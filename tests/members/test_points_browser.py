"""On the shopper's phone: from the member card, one tap on her points opens the history."""

import pytest
from playwright.sync_api import expect

from members.services.points import points_add
from tests.members.loyalty_factories import member_make
from tests.o2o.test_tap_targets_browser import member_session, too_small

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_card_opens_the_points_history(page, screenshot):
    member = member_make()
    points_add(member=member, delta=599, reason="purchase", reference="order:2612010001")
    points_add(member=member, delta=-200, reason="gift", reference="gift:7", note="保温杯")
    member_session(page, member)

    page.goto(page.base_url + "/m/card/")
    page.get_by_test_id("points").click()

    expect(page.get_by_test_id("points-balance")).to_have_text("399")
    rows = page.get_by_test_id("points-history").locator("li")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("Gift redemption")
    expect(rows.first).to_contain_text("-200")
    assert too_small(page) == []
    screenshot(page, "points")
