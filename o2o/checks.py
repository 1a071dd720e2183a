"""System checks for a deployment (`manage.py check --deploy`): secrets that must not be missing.

Registered from `PlatformConfig.ready`. Deploy-only, so development and tests never trip them.
"""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register


@register(Tags.security, deploy=True)
def wechat_pay_check(app_configs, **kwargs):
    """Payments fail closed (DESIGN §4 "Trust"): outside the sandbox a merchant key is required;
    the sandbox itself is flagged, since any shopper can "pay" there without paying."""
    if settings.WECHAT_PAY_SANDBOX:
        if settings.DEBUG:
            return []
        return [
            Warning(
                "The WeChat Pay sandbox is on (WECHAT_PAY_SANDBOX=true): shoppers can mark "
                "orders paid without paying.",
                hint="Fine for a demo server. For real payments set WECHAT_PAY_SANDBOX=false "
                "with WECHAT_PAY_MCH_ID and WECHAT_PAY_API_KEY.",
                id="o2o.W001",
            )
        ]
    missing = [
        name for name in ("WECHAT_PAY_API_KEY", "WECHAT_PAY_MCH_ID") if not getattr(settings, name)
    ]
    if not missing:
        return []
    return [
        Error(
            f"WeChat Pay is not configured: {', '.join(missing)} "
            f"{'is' if len(missing) == 1 else 'are'} empty and the sandbox is off, so no payment "
            "can be taken or verified.",
            hint="Set WECHAT_PAY_MCH_ID and WECHAT_PAY_API_KEY (the merchant's API key), or set "
            "WECHAT_PAY_SANDBOX=true for a demo without real payments.",
            id="o2o.E001",
        )
    ]
