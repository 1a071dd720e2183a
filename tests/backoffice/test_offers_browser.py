"""A delivery offer reaching the store desk on the clerk's phone (390×844): it appears without a
reload while the page is open, with a beep badge in the tab title and a countdown that ticks;
declining waits for a reason; accepting takes the order."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from dispatch.models import DispatchOffer
from inventory.services import stock_adjust
from tests.backoffice.test_desk_browser import log_in
from tests.dispatch.offer_helpers import delivery_offer_make

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


# Counts the tones the page plays (an init script runs outside the page's CSP).
COUNT_TONES = """
window.__tones = 0;
const start = OscillatorNode.prototype.start;
OscillatorNode.prototype.start = function (...args) {
  window.__tones += 1;
  return start.apply(this, args);
};
"""


def tones(page) -> int:
    return page.evaluate("() => window.__tones")


def test_a_new_offer_appears_counts_down_and_is_accepted(shop, page, screenshot):
    page.add_init_script(COUNT_TONES)
    log_in(page, "sh01-c1")
    offers = page.locator("#today-offers")
    expect(offers).to_contain_text("No delivery order waiting")
    page.get_by_role("button", name="Sound on").click()
    assert tones(page) == 2  # the test beep

    # Paid while the desk is open; 50 minutes ago, so ten minutes are left (urgent).
    offer = delivery_offer_make(
        store=shop.store,
        lines=[(shop.sku_m, 1)],
        now=timezone.now() - timedelta(minutes=50),
    )

    item = page.locator(f"#today-offer-{offer.pk}")
    expect(item).to_be_visible(timeout=12_000)  # the board polls every 5 s
    expect(item).to_have_class(re.compile(r"\btd-new\b"))
    expect(item).to_have_class(re.compile(r"\btd-urgent\b"))
    expect(page.locator("[data-today-new]")).to_have_text("1")
    assert page.title().startswith("(1) ")
    assert tones(page) == 6  # a delivery offer rings twice as long
    countdown = item.get_by_test_id("countdown")
    first = countdown.inner_text()
    assert re.fullmatch(r"(9|10):\d\d", first), first
    expect(countdown).not_to_have_text(first, timeout=3_000)  # it ticks between polls
    screenshot(page, "desk-new-offer")

    # Declining needs a reason: the browser will not send the form without one.
    item.locator("summary").click()
    item.get_by_role("button", name="Decline: send to the next store").click()
    assert item.get_by_label("Why can the store not take it?").evaluate(
        "input => !input.validity.valid"
    )
    page.wait_for_timeout(6_000)  # a poll would have redrawn the board: the form stays open
    expect(item.locator("details")).to_have_attribute("open", "")
    screenshot(page, "desk-decline-open")
    item.locator("summary").click()

    item.get_by_role("button", name="Accept the delivery").click()

    page.wait_for_url(f"{page.base_url}/staff/")
    expect(page.locator(".messages")).to_contain_text(
        f"Delivery order {offer.order.number} accepted"
    )
    expect(page.locator(f"#today-offer-{offer.pk}")).to_have_count(0)
    offer.refresh_from_db()
    assert offer.status == DispatchOffer.Status.ACCEPTED
    screenshot(page, "desk-offer-accepted")


def test_declining_with_a_reason_from_the_phone(shop, page):
    stock_adjust(store=shop.other_store, sku=shop.sku_m, delta=1, reason="receipt")
    offer = delivery_offer_make(store=shop.store, lines=[(shop.sku_m, 1)], also=[shop.other_store])
    log_in(page, "sh01-c1")
    item = page.locator(f"#today-offer-{offer.pk}")

    item.locator("summary").click()
    item.get_by_label("Why can the store not take it?").fill("Nobody free to deliver in time")
    item.get_by_role("button", name="Decline: send to the next store").click()

    page.wait_for_url(f"{page.base_url}/staff/")
    expect(page.locator(".messages")).to_contain_text("it goes to the next store")
    offer.refresh_from_db()
    assert (offer.status, offer.reason) == ("declined", "Nobody free to deliver in time")
