"""Fixtures shared by the whole suite: media in a temp dir, a phone browser, a Celery worker."""

import os
import uuid
from pathlib import Path

import pytest

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE_VIEWPORT = {"width": 390, "height": 844}
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


def missing(reason: str):
    """Skip locally when a service or tool is absent; in CI the same absence is a failure."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: browser and service tests must run)")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _english_by_default(settings):
    """Tests read the English source strings; tests/o2o/test_i18n.py checks the Chinese default."""
    settings.LANGUAGE_CODE = "en"


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    # Hashing strength is not under test; PBKDF2 would make every user fixture slow.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: the database is rolled back between tests, so rows
    (and their codes) come back with the same ids that pages cached in an earlier test."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(scope="session")
def _playwright_browser():
    if not (os.path.exists(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        missing(f"Chromium not found at {CHROMIUM}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("playwright is not installed")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def browser_context_options():
    """Override in a test module to grant geolocation or change the locale."""
    return {}


@pytest.fixture
def page(_playwright_browser, browser_context_options, live_server):
    """A phone-sized page (390×844) against the live server; `page.base_url` is the server URL."""
    options = {
        "viewport": PHONE_VIEWPORT,
        "device_scale_factor": 2,
        "is_mobile": True,
        "has_touch": True,
        "locale": "en-US",
        "base_url": live_server.url,
        **browser_context_options,
    }
    context = _playwright_browser.new_context(**options)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.base_url = live_server.url
    yield page
    context.close()


@pytest.fixture
def screenshot(request):
    """Save a screenshot under test-artifacts/ named after the test, to be looked at."""
    ARTIFACTS.mkdir(exist_ok=True)

    def take(page, name: str) -> Path:
        # QR codes are <img> tags: a screenshot taken before they load cannot be decoded. A
        # function, not an expression: the pages' Content-Security-Policy forbids eval.
        page.wait_for_function(
            "() => Array.from(document.querySelectorAll('img:not([loading=lazy])'))"
            ".every(img => img.complete)"
        )
        path = ARTIFACTS / f"{request.node.name}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def celery_worker_app(settings):
    """A real Celery worker thread consuming from Redis on a queue private to this test."""
    from celery.contrib.testing.worker import start_worker

    from o2o.celery import app
    from o2o.health import check_broker

    if check_broker() != "ok":
        missing("Redis broker is not reachable")
    queue = f"test-{uuid.uuid4().hex[:8]}"
    previous_queue = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    try:
        with start_worker(
            app, pool="solo", perform_ping_check=False, queues=[queue], shutdown_timeout=10
        ):
            yield app
    finally:
        app.conf.task_default_queue = previous_queue
