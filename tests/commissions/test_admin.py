"""HQ in the admin: policy and rules (every change logged with who and when; a used rule keeps
its rates), the ledger with CSV export, the report by clerk, store, member and month, freezing
beneficiaries and deciding withdrawals."""

import csv
import io

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.urls import reverse

from commissions.models import CommissionAudit, CommissionPolicy, CommissionRule, Wallet, Withdrawal
from commissions.services.ledger import commission_exclusion_mark
from commissions.services.withdrawals import withdrawal_request
from tests.commissions.money import matured
from tests.orders.placing import place

pytestmark = pytest.mark.django_db


@pytest.fixture
def hq(client):
    user = get_user_model().objects.create_superuser("hq", password="pw")
    client.force_login(user)
    return user


def rows(response):
    text = b"".join(response.streaming_content if response.streaming else [response.content])
    return list(csv.reader(io.StringIO(text.decode("utf-8-sig"))))


def test_a_rule_created_in_the_admin_is_logged_with_who(client, hq, chain):
    response = client.post(
        reverse("admin:commissions_commissionrule_add"),
        {
            "scope": "product",
            "product": chain.product.pk,
            "clerk_rate_bp": "800",
            "level1_rate_bp": "400",
            "level2_rate_bp": "0",
            "level3_rate_bp": "0",
            "valid_from_0": "2025-01-01",
            "valid_from_1": "00:00:00",
            "note": "summer",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    rule = CommissionRule.objects.get(scope="product")
    audit = CommissionAudit.objects.get(action="rule_created")
    assert (audit.actor, audit.target) == (hq, f"rule {rule.pk}")


def test_a_rule_already_used_keeps_its_rates(client, hq, chain):
    matured(chain)
    url = reverse("admin:commissions_commissionrule_change", args=[chain.default_rule.pk])

    page = client.get(url).content.decode()
    client.post(url, {"valid_until_0": "2030-01-01", "valid_until_1": "00:00:00", "note": "ended"})

    assert 'name="clerk_rate_bp"' not in page  # read-only now
    rule = CommissionRule.objects.get(pk=chain.default_rule.pk)
    assert rule.clerk_rate_bp == 500 and rule.note == "ended"
    audit = CommissionAudit.objects.get(action="rule_changed")
    assert "note" in audit.detail and audit.actor == hq
    assert (
        client.post(
            reverse("admin:commissions_commissionrule_delete", args=[rule.pk]), {"post": "yes"}
        ).status_code
        == 403
    )


def test_the_policy_page_logs_changes_and_caps_levels(client, hq):
    url = reverse("admin:commissions_commissionpolicy_change", args=[CommissionPolicy.current().pk])
    data = {"referral_levels": "4", "return_window_days": "7", "min_withdrawal": "10.00"}

    assert client.post(url, data).status_code == 200  # 4 levels: refused
    assert client.post(url, data | {"referral_levels": "3"}).status_code == 302

    assert CommissionPolicy.current().referral_levels == 3
    assert CommissionPolicy.current().min_withdrawal == 1000  # typed in yuan, kept in fen
    assert "referral_levels: 2 → 3" in CommissionAudit.objects.get(action="policy_changed").detail


def test_the_ledger_exports_as_csv(client, hq, chain):
    order = matured(chain)

    listing = client.get(reverse("admin:commissions_commissionentry_changelist"))
    export = client.get(reverse("admin:commissions_commissionentry_export"), {"level__exact": "1"})

    assert listing.status_code == 200 and "¥17.97" in listing.content.decode()
    table = rows(export)
    assert table[0][:3] == ["time", "order", "beneficiary"]
    assert [(r[1], r[4], r[10]) for r in table[1:]] == [(order.number, "1", "1797")]
    refused = client.get(reverse("admin:commissions_commissionentry_export"), {"nosuch": "1"})
    assert refused.status_code == 302 and refused["Location"].endswith("?e=1")


def test_the_report_by_clerk_store_member_and_month(client, hq, chain):
    matured(chain)
    url = reverse("admin:commissions_commissionentry_report")
    period = {"since": "2000-01-01", "until": "2100-01-01"}

    by_clerk = client.get(url, {"group": "clerk", **period}).content.decode()
    by_store = client.get(url, {"group": "store", **period}).content.decode()
    by_member = rows(client.get(url, {"group": "member", "format": "csv", **period}))
    by_month = client.get(url, {"group": "month", **period})

    assert chain.clerk.staff_code in by_clerk and "¥29.95" in by_clerk
    assert "¥59.90" in by_store  # 29.95 + 17.97 + 11.98 credited to sh01
    assert [(r[1], r[5]) for r in by_member[1:]] == [("Bella", "1797"), ("Alice", "1198")]
    assert by_month.status_code == 200 and "¥59.90" in by_month.content.decode()


def test_hq_freezes_with_a_reason_and_decides_withdrawals(client, hq, chain):
    matured(chain)
    wallet = Wallet.objects.get(member=chain.b)
    changelist = reverse("admin:commissions_wallet_changelist")

    client.post(changelist, {"action": "freeze", "_selected_action": [wallet.pk]})
    assert not Wallet.objects.get(pk=wallet.pk).frozen  # asked for the reason first
    client.post(
        changelist,
        {"action": "freeze", "_selected_action": [wallet.pk], "apply": "1", "reason": "abuse"},
    )
    assert Wallet.objects.get(pk=wallet.pk).frozen_reason == "abuse"
    client.post(changelist, {"action": "unfreeze", "_selected_action": [wallet.pk]})
    first = withdrawal_request(wallet=wallet)
    withdrawals = reverse("admin:commissions_withdrawal_changelist")

    client.post(
        withdrawals,
        {"action": "reject", "_selected_action": [first.pk], "apply": "1", "reason": "unclear"},
    )
    second = withdrawal_request(wallet=wallet)
    client.post(withdrawals, {"action": "approve", "_selected_action": [second.pk]})

    assert Withdrawal.objects.get(pk=first.pk).reason == "unclear"
    assert Withdrawal.objects.get(pk=second.pk).status == Withdrawal.Status.APPROVED
    assert list(CommissionAudit.objects.order_by("id").values_list("action", "actor")) == [
        ("wallet_frozen", hq.pk),
        ("wallet_unfrozen", hq.pk),
        ("withdrawal_rejected", hq.pk),
        ("withdrawal_approved", hq.pk),
    ]
    assert (
        client.get(reverse("admin:commissions_withdrawal_change", args=[second.pk])).status_code
        == 200
    )


COMMISSION_MODELS = [m for m in admin.site._registry if m._meta.app_label == "commissions"]


@pytest.mark.parametrize("model", COMMISSION_MODELS, ids=lambda m: m._meta.model_name)
def test_every_commission_admin_page_loads(client, hq, chain, model):
    order = matured(chain)
    commission_exclusion_mark(order=place(chain), reason="flash sale", actor=hq)
    withdrawal_request(wallet=Wallet.objects.get(staff=chain.clerk))
    meta = model._meta

    listing = client.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
    if listing.status_code == 302:
        listing = client.get(listing["Location"])
    obj = model.objects.order_by("pk").first()
    change = client.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk]))

    assert listing.status_code == 200 and change.status_code == 200
    assert order.status == "completed"
