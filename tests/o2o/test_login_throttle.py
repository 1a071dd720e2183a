"""Password guesses at /staff/login/ and /admin/login/ are limited per username and per client,
audited for HQ, and HQ can unlock from the admin."""

import pytest
from django.contrib.auth import SESSION_KEY, get_user_model

from o2o import login_throttle
from o2o.models import SecurityEvent, ThrottleCounter

pytestmark = pytest.mark.django_db

STAFF_LOGIN = "/staff/login/"
ADMIN_LOGIN = "/admin/login/"
PASSWORD = "right-horse-battery"
LIMIT = login_throttle.ATTEMPTS_PER_USERNAME


@pytest.fixture
def hq_user():
    return get_user_model().objects.create_user(
        "hq-boss", password=PASSWORD, is_staff=True, is_superuser=True
    )


def post(client, url, username, password, address="198.51.100.1"):
    return client.post(url, {"username": username, "password": password}, REMOTE_ADDR=address)


def logged_in(client) -> bool:
    return SESSION_KEY in client.session


@pytest.mark.parametrize("url", [STAFF_LOGIN, ADMIN_LOGIN])
def test_login_guesses_are_limited_per_username(client, hq_user, url):
    for attempt in range(LIMIT):
        post(client, url, "hq-boss", "guess", address=f"198.51.100.{attempt + 1}")

    response = post(client, url, "hq-boss", PASSWORD, address="203.0.113.50")

    assert not logged_in(client)
    assert "Too many attempts. Try again in 15 minutes." in response.content.decode()


def test_one_allowance_per_account_across_both_login_pages(client, hq_user):
    for attempt in range(LIMIT):
        url = STAFF_LOGIN if attempt % 2 else ADMIN_LOGIN
        post(client, url, "HQ-Boss ", "guess")  # case and spaces do not buy a fresh allowance

    response = post(client, STAFF_LOGIN, "hq-boss", PASSWORD)

    assert not logged_in(client)
    assert "Too many attempts" in response.content.decode()


def test_login_guesses_are_limited_per_client(client, hq_user):
    for n in range(login_throttle.ATTEMPTS_PER_CLIENT):
        post(client, STAFF_LOGIN, f"someone-{n}", "guess")

    refused = post(client, STAFF_LOGIN, "hq-boss", PASSWORD)
    elsewhere = post(client, STAFF_LOGIN, "hq-boss", PASSWORD, address="203.0.113.50")

    assert "Too many attempts" in refused.content.decode()
    assert elsewhere.status_code == 302 and logged_in(client)


def test_a_right_password_resets_the_accounts_count(client, hq_user):
    for _ in range(LIMIT - 1):
        post(client, STAFF_LOGIN, "hq-boss", "guess")
    post(client, STAFF_LOGIN, "hq-boss", PASSWORD)
    client.logout()

    for _ in range(LIMIT - 1):
        post(client, STAFF_LOGIN, "hq-boss", "guess")
    response = post(client, STAFF_LOGIN, "hq-boss", PASSWORD)

    assert response.status_code == 302 and logged_in(client)


def test_login_failures_and_the_lockout_are_audited(client, hq_user):
    for _ in range(LIMIT + 3):
        post(client, STAFF_LOGIN, "hq-boss", "guess", address="198.51.100.9")

    events = SecurityEvent.objects.filter(secret=SecurityEvent.Secret.PASSWORD)
    assert events.filter(kind="failed", target="hq-boss").count() == LIMIT
    locked = events.get(kind="locked")  # once, not once per refused attempt
    assert locked.target == "hq-boss" and locked.client_ip == "198.51.100.9"


def test_hq_unlocks_a_locked_account_from_the_admin(client, admin_client, hq_user):
    for _ in range(LIMIT + 1):
        post(client, STAFF_LOGIN, "hq-boss", "guess")
    counter = ThrottleCounter.objects.get(scope=login_throttle.USERNAME_SCOPE, key="hq-boss")

    listing = admin_client.get("/admin/o2o/throttlecounter/?locked=yes")
    assert "hq-boss" in listing.content.decode()
    admin_client.post(
        "/admin/o2o/throttlecounter/",
        {"action": "unlock", "_selected_action": [counter.pk]},
    )
    response = post(client, STAFF_LOGIN, "hq-boss", PASSWORD)

    assert response.status_code == 302 and logged_in(client)
    unlocked = SecurityEvent.objects.get(kind="unlocked")
    assert unlocked.target == "hq-boss" and unlocked.user.username == "admin"


def test_hq_sees_the_audit_rows_in_the_admin(client, admin_client, hq_user):
    post(client, ADMIN_LOGIN, "hq-boss", "guess", address="198.51.100.77")

    page = admin_client.get("/admin/o2o/securityevent/").content.decode()

    assert "198.51.100.77" in page and "Wrong secret" in page
