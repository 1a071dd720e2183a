"""HQ's promotion pages in the admin open, show live counters, and run their actions."""

import pytest
from django.urls import reverse

from promotions.models import Coupon, CouponCampaign, Push, Segment
from promotions.services.coupon_redemption import coupon_redeem_at_store
from promotions.services.coupons import coupon_claim
from tests.promotions.coupon_fixtures import template_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def hq(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("hq-promo", password="pw"))
    return client


def test_every_promotions_page_opens(hq, shop):
    template = template_make()
    coupon = coupon_claim(claim_token=template.claim_token, member=shop.member)
    coupon_redeem_at_store(code=coupon.code, store=shop.store, sale_amount=40000)
    segment = Segment.objects.create(name="all")
    CouponCampaign.objects.create(template=template, segment=segment)
    Push.objects.create(segment=segment, title="Hello")
    for name in (
        "coupontemplate",
        "couponcampaign",
        "coupon",
        "couponredemption",
        "segment",
        "push",
        "pushoptout",
    ):
        response = hq.get(reverse(f"admin:promotions_{name}_changelist"))
        assert response.status_code == 200, name
    listing = hq.get(reverse("admin:promotions_coupontemplate_changelist")).content.decode()
    assert f"/m/coupons/claim/{template.claim_token}/" in listing
    ledger = hq.get(reverse("admin:promotions_couponredemption_changelist")).content.decode()
    assert "HQ bears ¥50.00" in ledger
    assert hq.get(reverse("admin:promotions_coupontemplate_add")).status_code == 200
    assert hq.get(reverse("admin:promotions_coupon_change", args=[coupon.pk])).status_code == 200


def test_hq_runs_a_campaign_and_a_push_from_the_admin(hq, shop):
    segment = Segment.objects.create(name="all")
    hq.post(
        reverse("admin:promotions_segment_changelist"),
        {"action": "refresh", "_selected_action": [segment.pk]},
    )
    campaign = CouponCampaign.objects.create(template=template_make(), segment=segment)
    hq.post(
        reverse("admin:promotions_couponcampaign_changelist"),
        {"action": "run", "_selected_action": [campaign.pk]},
    )
    push = Push.objects.create(segment=segment, title="Hello")
    hq.post(
        reverse("admin:promotions_push_changelist"),
        {"action": "send", "_selected_action": [push.pk]},
    )

    assert Coupon.objects.filter(member=shop.member, campaign=campaign).exists()
    push.refresh_from_db()
    assert push.sent == 1
