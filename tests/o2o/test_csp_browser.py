"""The pages work under their Content-Security-Policy: Chromium loads the main shopper and
back-office pages and reports no `securitypolicyviolation` event and no CSP console error."""

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.utils import timezone

from members.models import Gift
from members.services.gifts import gift_redeem
from members.services.points import points_add
from tests.catalog.factories import ReviewFactory
from tests.members.loyalty_factories import task_make

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Recorded from the first script on: an init script runs outside the page's policy.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(
    `${event.violatedDirective} blocked ${event.blockedURI || "inline"} ` +
    `at ${event.sourceFile || location.pathname}:${event.lineNumber}`
  );
});
"""


def _shopper_pages(chain) -> list[str]:
    return [
        "/",
        "/categories/",
        f"/c/{chain.product.category.slug}/",
        f"/p/{chain.product.code}/?sku={chain.sku.code}",
        f"/p/{chain.product.code}/reviews/",
        "/stores/",
        "/cart/",
        "/checkout/",
        "/orders/",
        f"/orders/{chain.order.number}/",
        "/favorites/",
        "/m/card/",
        "/m/notices/",
        "/m/gifts/",
        "/m/gifts/mine/",
        "/m/subscriptions/",
        "/no-such-page/",
    ]


def _back_office_pages(chain) -> list[str]:
    return [
        "/staff/",
        "/staff/orders/",
        f"/staff/orders/{chain.order.number}/",
        "/staff/orders/verify/",
        "/staff/orders/appointments/",
        "/staff/orders/assist/",
        f"/staff/orders/assist/{chain.clerk_cart.pk}/",
        "/staff/members/scan/",
        "/staff/members/my-qr/",
        "/staff/loyalty/follow-ups/",
        "/staff/loyalty/follow-ups/?print=1",
        "/staff/loyalty/gifts/verify/",
        "/staff/no-such-page/",
    ]


@pytest.fixture
def furnished(chain):
    """The chain with what makes the pages draw everything: reviews (rating bars), a follow-up
    task (outcome choices), a redeemed gift (pickup QR)."""
    ReviewFactory(product=chain.product, rating=5)
    ReviewFactory(product=chain.product, rating=3)
    task_make(member=chain.member, assignee=chain.clerk, due=timezone.localdate())
    points_add(member=chain.member, delta=500, reason="adjustment", reference="csp-test")
    gift = Gift.objects.create(name="帆布袋", sku=chain.sku, points_cost=100)
    gift_redeem(member=chain.member, gift=gift, store=chain.store)
    return chain


def _log_in_as_member_and_clerk(page, chain):
    """One browser session that is both the member and her clerk (a clerk who shops too)."""
    session = SessionStore()
    session["member_id"] = chain.member.pk
    session["_auth_user_id"] = str(chain.clerk.user.pk)
    session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    session["_auth_user_hash"] = chain.clerk.user.get_session_auth_hash()
    session.save()
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session.session_key, "url": page.base_url}]
    )


def test_pages_raise_no_content_security_policy_violation(page, furnished, screenshot):
    console_errors = []
    page.on(
        "console",
        lambda message: (
            message.type == "error"
            and "Content Security Policy" in message.text
            and console_errors.append(message.text)
        ),
    )
    page.add_init_script(RECORD_VIOLATIONS)
    _log_in_as_member_and_clerk(page, furnished)

    violations = {}
    for path in [
        *_shopper_pages(furnished),
        *_back_office_pages(furnished),
        "/m/login/",
        "/staff/login/",
        "/api/docs/",
    ]:
        page.goto(page.base_url + path)
        page.wait_for_load_state("load")
        page.wait_for_timeout(300)  # htmx's load-triggered fragments and deferred scripts
        found = page.evaluate("window.__cspViolations")
        if found:
            violations[path] = found

    # The product page draws its rating bars without a style attribute.
    page.goto(f"{page.base_url}/p/{furnished.product.code}/")
    assert page.locator(".rating-bar rect").count() == 5
    screenshot(page, "product")
    assert not violations, violations
    assert not console_errors, console_errors


def test_the_back_arrow_works_without_an_inline_handler(page, furnished):
    page.add_init_script(RECORD_VIOLATIONS)
    page.goto(page.base_url + "/categories/")
    page.goto(page.base_url + f"/c/{furnished.product.category.slug}/")

    page.locator("[data-back]").click()

    page.wait_for_url(page.base_url + "/categories/")
    assert page.evaluate("window.__cspViolations") == []
