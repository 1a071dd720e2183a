"""Every control a finger taps on a phone (390×844) is at least 44×44 CSS px: the back arrow, the
language switch, delete and quantity buttons, radio buttons and checkboxes (their label is the
target), the shopper's and the clerk's navigation."""

from importlib import import_module

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from members.auth import SESSION_KEY
from members.models import FollowUpTask
from orders.services.assisted import assisted_cart_create, assisted_cart_line_set
from orders.services.cart import cart_get_or_create, cart_line_add
from tests.backoffice.test_orders_browser import log_in
from tests.orders.placing import booking, pay, place

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
MINIMUM = 44

# Tap targets on the page, each measured as the box a finger hits: a radio button or checkbox
# through the label around it; links only when laid out as boxes (inline links in running text
# are exempt, as in WCAG 2.5.8); elements hidden for screen readers only are skipped.
TOO_SMALL_JS = """(minimum) => {
  const CHOICE = 'input[type=radio], input[type=checkbox]';
  const small = [];
  for (const element of document.querySelectorAll(
    'a[href], button, select, input:not([type=hidden]), label'
  )) {
    const box = element.getBoundingClientRect();
    const style = getComputedStyle(element);
    const tag = element.tagName.toLowerCase();
    if (box.width <= 2 || box.height <= 2 || style.visibility === 'hidden') continue;
    if (tag === 'input' && element.closest('label')) continue;
    if (tag === 'label' && !element.querySelector(CHOICE)) continue;
    if (tag === 'a' && style.display === 'inline') continue;
    // Text fields are as wide as the layout makes them; only their height counts.
    const textField = tag === 'input' && !element.matches(CHOICE);
    if (box.height < minimum || (!textField && box.width < minimum)) {
      const name = element.innerText || element.value || element.getAttribute('aria-label') || '';
      small.push(`${tag}.${element.className} "${name.trim().slice(0, 20)}" `
                 + `${Math.round(box.width)}×${Math.round(box.height)}`);
    }
  }
  return small;
}"""


def too_small(page) -> list[str]:
    return page.evaluate(TOO_SMALL_JS, MINIMUM)


def member_session(page, member):
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = member.pk
    session.create()
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session.session_key, "url": page.base_url}]
    )


def test_shopper_tap_targets_are_44px(shop, page, screenshot):
    member_session(page, shop.member)
    cart_line_add(cart=cart_get_or_create(member=shop.member), sku=shop.sku_m, quantity=1)
    order = pay(place(shop))
    small = {}
    for name, url in [
        ("product", "/p/dress/"),
        ("cart", "/cart/"),
        ("order", f"/orders/{order.number}/"),
        ("card", "/m/card/"),
        ("stores", "/stores/"),
    ]:
        page.goto(page.base_url + url)
        if name == "product":  # the order actions arrive by htmx after the page has loaded
            expect(page.locator("[data-order-actions]")).to_be_visible()
        small[name] = too_small(page)
        screenshot(page, name)
    page.goto(page.base_url + "/checkout/")
    page.locator(".od-kind", has_text="Try in store").click()
    expect(page.locator(".od-slot").first).to_be_visible()
    small["checkout"] = too_small(page)
    screenshot(page, "checkout")

    found = [f"{name}: {target}" for name, targets in small.items() for target in targets]
    assert not found, "too small to tap:\n" + "\n".join(found)


def test_back_office_tap_targets_are_44px(shop, page, screenshot):
    order = pay(place(shop))
    booking(shop)
    today = timezone.localdate()
    FollowUpTask.objects.create(
        member=shop.member,
        store=shop.store,
        assignee=shop.manager,
        kind=FollowUpTask.Kind.FIRST_PURCHASE,
        due_date=today,
        purchased_on=today,
        source="test",
    )
    cart = assisted_cart_create(staff=shop.manager, note="王女士")
    assisted_cart_line_set(cart=cart, staff=shop.manager, sku=shop.sku_m, quantity=1)
    log_in(page, "sh01-m")
    small = {}
    for name, url in [
        ("home", "/staff/"),
        ("queue", "/staff/orders/"),
        ("order", f"/staff/orders/{order.number}/"),
        ("bookings", "/staff/orders/appointments/"),
        ("follow-ups", "/staff/loyalty/follow-ups/"),
        ("verify", "/staff/orders/verify/"),
        ("assisted-cart", f"/staff/orders/assist/{cart.pk}/"),
    ]:
        page.goto(page.base_url + url)
        small[name] = too_small(page)
        screenshot(page, name)

    found = [f"{name}: {target}" for name, targets in small.items() for target in targets]
    assert not found, "too small to tap:\n" + "\n".join(found)
