"""Settings come from the environment only; production refuses to start without a secret."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PRODUCTION_LIKE = {
    "DEBUG": "false",
    "SECRET_KEY": "Zq8w3bT6yV1nK0mR4sX7cL2pJ9dF5hG8aE3uI6oY1tW4rQ7zN0vB",
    "ALLOWED_HOSTS": "shop.example.com",
    "SITE_URL": "https://shop.example.com",
    "DATABASE_URL": "postgres://o2o:secret@db.example.com:5432/o2o",
    "REDIS_URL": "redis://cache.example.com:6379/0",
    # Real payments: without a merchant key the deploy check fails (tests/o2o/test_checks.py).
    "WECHAT_PAY_MCH_ID": "1230000109",
    "WECHAT_PAY_API_KEY": "a-merchants-32-character-api-key",
}


# Only what a process needs to start; the test command's own settings (insecure cookies, the
# async-unsafe switch for Playwright) must not leak into a deployment check.
INHERITED = {"PATH", "HOME", "LANG", "DATABASE_URL", "REDIS_URL", "VIRTUAL_ENV"}


def manage(*args, env):
    clean = {k: v for k, v in os.environ.items() if k in INHERITED}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_refuses_to_start_without_secret_key_when_not_debug():
    result = manage("check", env={"DEBUG": "false"})

    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_debug_runs_without_secret_key():
    result = manage("check", env={"DEBUG": "true"})

    assert result.returncode == 0, result.stderr


def test_deploy_check_is_clean_with_production_like_variables():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_LIKE)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_deploy_check_flags_insecure_cookies():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env={**PRODUCTION_LIKE, "SESSION_COOKIE_SECURE": "false"},
    )

    assert result.returncode != 0
    assert "security.W012" in result.stdout + result.stderr


def test_wechat_base_urls_are_settings():
    result = manage(
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings as s; "
        "print(s.WECHAT_API_BASE_URL, s.WECHAT_OAUTH_BASE_URL, s.WECHAT_PAY_BASE_URL, "
        "s.WECHAT_PAY_SANDBOX)",
        env={
            "DEBUG": "true",
            "WECHAT_API_BASE_URL": "http://127.0.0.1:9/cgi-bin/",
            "WECHAT_OAUTH_BASE_URL": "http://127.0.0.1:9/connect/",
            "WECHAT_PAY_BASE_URL": "http://127.0.0.1:9/pay/",
        },
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "http://127.0.0.1:9/cgi-bin/",
        "http://127.0.0.1:9/connect/",
        "http://127.0.0.1:9/pay/",
        "True",
    ]


def test_a_trusted_proxy_network_that_is_not_one_stops_the_start():
    result = manage("check", env={"DEBUG": "true", "TRUSTED_PROXY_CIDRS": "10.0.0.0/8,proxy.lan"})

    assert result.returncode != 0
    assert "TRUSTED_PROXY_CIDRS: 'proxy.lan' is not a network" in result.stderr
