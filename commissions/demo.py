"""Demo commission rules, loaded before the demo sales so they earn: a default rule (clerk 3 %,
level 1 5 %, level 2 2 %, level 3 1 %), valid for the past year. Idempotent."""

from datetime import timedelta

from django.utils import timezone

from commissions.models import CommissionPolicy, CommissionRule
from commissions.services.maturity import commissions_mature


def seed_commissions() -> dict:
    CommissionPolicy.current()
    if CommissionRule.objects.exists():
        return {"rules_created": 0}
    CommissionRule.objects.create(
        scope=CommissionRule.Scope.DEFAULT,
        clerk_rate_bp=300,
        level1_rate_bp=500,
        level2_rate_bp=200,
        level3_rate_bp=100,
        valid_from=timezone.now() - timedelta(days=365),
        note="demo",
    )
    return {"rules_created": 1}


def mature_demo_commissions() -> str:
    """The demo's older sales are past their return window: make their commission available."""
    return commissions_mature().message
