"""The demo chain earns commission: its rule is loaded before the demo sales, and the older
sales' commission is already available."""

import pytest
from django.core.management import call_command

from commissions.models import CommissionEntry, CommissionRule
from commissions.services.wallets import commissions_check
from members.models import Member

pytestmark = pytest.mark.django_db


def test_the_demo_sales_earn_for_clerks_and_the_referral_chain():
    call_command("seed_demo")
    call_command("seed_demo")  # again: nothing doubles

    assert CommissionRule.objects.count() == 1
    lin = Member.objects.get(phone="13800000001")  # referred 陈思琪, who referred 王佳怡
    earned = CommissionEntry.objects.filter(wallet__member=lin)
    assert set(earned.values_list("level", flat=True)) == {1, 2}
    assert CommissionEntry.objects.filter(level=0, status="confirmed").exists()
    assert commissions_check() == []
