"""HQ's commission rules and policy, changed in the admin: every change is logged with who and
when (`CommissionAudit`). A rule that entries were computed with keeps its rates and target:
HQ ends it (`valid_until`) and adds a new one, so each entry's rule still says what it used."""

from __future__ import annotations

from django.db import transaction

from commissions.exceptions import CommissionError
from commissions.models import CommissionAudit, CommissionPolicy, CommissionRule

# What a used rule may no longer change.
FIXED_ONCE_USED = (
    "scope",
    "category_id",
    "product_id",
    "clerk_rate_bp",
    "level1_rate_bp",
    "level2_rate_bp",
    "level3_rate_bp",
    "valid_from",
)


class RuleInUse(CommissionError):
    """Entries were computed with this rule: end it and add a new one instead."""

    code = "rule_in_use"
    http_status = 409


def _describe(changes: dict) -> str:
    return "; ".join(f"{name}: {before!r} → {after!r}" for name, (before, after) in changes.items())


def _changes(instance, before) -> dict:
    if before is None:
        return {}
    names = [field.attname for field in instance._meta.concrete_fields]
    return {
        name: (getattr(before, name), getattr(instance, name))
        for name in names
        if name not in {"updated_at", "created_at"}
        and getattr(before, name) != getattr(instance, name)
    }


@transaction.atomic
def commission_rule_save(*, rule: CommissionRule, actor) -> CommissionRule:
    """Create or change a rule (validated by the caller's form), with an audit entry."""
    before = (
        CommissionRule.objects.select_for_update().filter(pk=rule.pk).first() if rule.pk else None
    )
    changes = _changes(rule, before)
    if before is not None and before.entries.exists():
        fixed = [name for name in changes if name in FIXED_ONCE_USED]
        if fixed:
            raise RuleInUse(f"cannot change {', '.join(fixed)} of a rule already used")
    rule.save()
    CommissionAudit.objects.create(
        action=CommissionAudit.Action.RULE_CREATED
        if before is None
        else CommissionAudit.Action.RULE_CHANGED,
        target=f"rule {rule.pk}",
        detail=str(rule) if before is None else _describe(changes),
        actor=actor,
    )
    return rule


@transaction.atomic
def commission_policy_save(*, policy: CommissionPolicy, actor) -> CommissionPolicy:
    before = CommissionPolicy.objects.select_for_update().filter(pk=policy.pk).first()
    changes = _changes(policy, before)
    policy.save()
    if changes or before is None:
        CommissionAudit.objects.create(
            action=CommissionAudit.Action.POLICY_CHANGED,
            target="policy",
            detail=_describe(changes),
            actor=actor,
        )
    return policy
