"""Deployment checks (o2o/checks.py): payments fail closed outside demo mode (DESIGN §4 "Trust").

The first tests run `manage.py` in a fresh process, as an operator would, so the settings'
defaults (not the suite's WECHAT_PAY_SANDBOX=true) are what is checked.
"""

from o2o.checks import wechat_pay_check
from tests.o2o.test_settings import PRODUCTION_LIKE, manage

WITHOUT_PAY_KEYS = {
    k: v for k, v in PRODUCTION_LIKE.items() if k not in {"WECHAT_PAY_API_KEY", "WECHAT_PAY_MCH_ID"}
}


def test_without_a_merchant_key_outside_debug_the_deploy_check_fails():
    result = manage("check", "--deploy", env=WITHOUT_PAY_KEYS)

    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "o2o.E001" in output
    assert "WeChat Pay is not configured: WECHAT_PAY_API_KEY, WECHAT_PAY_MCH_ID are empty" in output


def test_outside_debug_the_sandbox_is_off_unless_asked_for():
    show = "from django.conf import settings as s; print(s.WECHAT_PAY_SANDBOX)"

    off = manage("shell", "--no-imports", "-c", show, env=WITHOUT_PAY_KEYS)
    on = manage(
        "shell", "--no-imports", "-c", show, env={**WITHOUT_PAY_KEYS, "WECHAT_PAY_SANDBOX": "true"}
    )

    assert (off.stdout.strip(), on.stdout.strip()) == ("False", "True"), off.stderr + on.stderr


def test_an_explicit_sandbox_outside_debug_passes_the_deploy_check_with_a_warning():
    result = manage("check", "--deploy", env={**WITHOUT_PAY_KEYS, "WECHAT_PAY_SANDBOX": "true"})

    assert result.returncode == 0, result.stdout + result.stderr
    assert "o2o.W001" in result.stdout + result.stderr


def test_a_key_without_a_merchant_id_is_an_error(settings):
    settings.DEBUG = False
    settings.WECHAT_PAY_SANDBOX = False
    settings.WECHAT_PAY_API_KEY = "a-merchants-32-character-api-key"
    settings.WECHAT_PAY_MCH_ID = ""

    [error] = wechat_pay_check(None)

    assert error.id == "o2o.E001" and "WECHAT_PAY_MCH_ID is empty" in error.msg


def test_development_with_the_sandbox_is_not_flagged(settings):
    settings.DEBUG = True
    settings.WECHAT_PAY_SANDBOX = True
    settings.WECHAT_PAY_API_KEY = ""

    assert wechat_pay_check(None) == []
