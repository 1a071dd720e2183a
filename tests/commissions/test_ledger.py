"""Earnings on payment (DESIGN §4 "Commission"): who, at which rate, on which base, rounded how."""

from datetime import timedelta

import pytest
from django.utils import timezone

from catalog.models import SKU, Category, Product
from commissions.models import CommissionEntry, CommissionPolicy, CommissionRule, Wallet
from commissions.services.ledger import commission_entries_record, commission_exclusion_mark
from inventory.services import stock_adjust
from members.models import Member, PointsEntry
from orders.models import Order
from orders.services.checkout import Line
from orders.services.pos import SaleLine, pos_sale_record
from stores.models import Staff
from tests.api import token_client
from tests.orders.placing import pay, place

pytestmark = pytest.mark.django_db
E = CommissionEntry


def earnings(order):
    return {
        (entry.wallet.staff_id and "K") or entry.wallet.member.nickname: (entry.level, entry.amount)
        for entry in E.objects.filter(order=order).select_related("wallet__member")
    }


def test_a_chain_earns_the_clerk_rate_level_1_and_level_2_and_nobody_at_level_3(chain):
    order = pay(place(chain))  # one dress, ¥599.00

    assert earnings(order) == {"K": (0, 2995), "Bella": (1, 1797), "Alice": (2, 1198)}
    entry = E.objects.get(order=order, level=1)
    assert (entry.base, entry.rate_bp, entry.rule, entry.status, entry.buyer) == (
        59900,
        300,
        chain.default_rule,
        E.Status.PENDING,
        chain.c,
    )
    assert Wallet.objects.get(member=chain.b).pending == 1797


def test_computing_again_writes_nothing(chain):
    order = pay(place(chain))

    assert commission_entries_record(order_ids=[order.pk]) == 0
    assert E.objects.filter(order=order).count() == 3
    assert Wallet.objects.get(staff=chain.clerk).pending == 2995


def test_a_product_rule_overrides_the_category_rule_which_overrides_the_default(chain):
    skirt_category = CommissionRule.objects.create(
        scope=CommissionRule.Scope.CATEGORY,
        category=chain.product.category,
        clerk_rate_bp=1000,
        level1_rate_bp=500,
    )
    dress_rule = CommissionRule.objects.create(
        scope=CommissionRule.Scope.PRODUCT, product=chain.product, clerk_rate_bp=100
    )
    other = Product.objects.create(
        code="scarf", name="Scarf", category=chain.product.category, base_price=10000
    )
    scarf = SKU.objects.create(product=other, code="scarf-1", color="red", size="")
    stock_adjust(store=chain.store, sku=scarf, delta=5, reason="receipt")

    order = pay(place(chain, lines=[Line(chain.sku_m, 1), Line(scarf, 1)]))

    dress_line = order.lines.get(sku=chain.sku_m)
    scarf_line = order.lines.get(sku=scarf)
    by_line = {
        (entry.order_line_id, entry.level): (entry.rule_id, entry.amount)
        for entry in E.objects.filter(order=order)
    }
    # The dress has its own rule: 1 % to the clerk, nothing to the chain (level rates 0).
    assert by_line[(dress_line.pk, 0)] == (dress_rule.pk, 599)
    assert (dress_line.pk, 1) not in by_line
    # The scarf falls back to its category: 10 % and 5 %; level 2 has 0 % there.
    assert by_line[(scarf_line.pk, 0)] == (skirt_category.pk, 1000)
    assert by_line[(scarf_line.pk, 1)] == (skirt_category.pk, 500)
    assert (scarf_line.pk, 2) not in by_line


def test_a_rule_of_a_parent_category_applies_below_it_and_the_nearest_one_wins(chain):
    women = chain.product.category
    clothes = Category.objects.create(name="Clothes", slug="clothes")
    dresses = Category.objects.create(name="Dresses", slug="dresses", parent=women)
    women.parent = clothes
    women.save()
    Product.objects.filter(pk=chain.product.pk).update(category=dresses)
    CommissionRule.objects.create(
        scope=CommissionRule.Scope.CATEGORY, category=clothes, clerk_rate_bp=900
    )
    nearest = CommissionRule.objects.create(
        scope=CommissionRule.Scope.CATEGORY, category=women, clerk_rate_bp=700
    )

    order = pay(place(chain))

    clerk_entry = E.objects.get(order=order, level=0)
    assert (clerk_entry.rule, clerk_entry.amount) == (nearest, 59900 * 700 // 10000)


def test_the_rule_valid_at_payment_applies_and_later_changes_leave_entries_alone(chain):
    now = timezone.now()
    CommissionRule.objects.create(
        scope=CommissionRule.Scope.DEFAULT,
        clerk_rate_bp=800,
        valid_from=now + timedelta(days=1),  # not yet valid
    )
    CommissionRule.objects.create(
        scope=CommissionRule.Scope.DEFAULT,
        clerk_rate_bp=50,
        valid_from=now - timedelta(days=30),
        valid_until=now - timedelta(days=1),  # expired
    )

    order = pay(place(chain))
    CommissionRule.objects.filter(pk=chain.default_rule.pk).update(clerk_rate_bp=2000)

    assert E.objects.get(order=order, level=0).amount == 2995
    assert E.objects.get(order=order, level=0).rate_bp == 500


def test_the_base_is_what_was_paid_for_the_goods_after_points_and_floors_per_entry(chain):
    PointsEntry.objects.create(
        member=chain.c, delta=10_000, reason=PointsEntry.Reason.ADJUSTMENT, reference="t"
    )
    Member.objects.filter(pk=chain.c.pk).update(points_balance=10_000)
    chain.member.refresh_from_db()
    # 1,001 points at 100 a yuan: ¥10.01 off.
    order = pay(place(chain, points_to_use=1001))

    assert order.total_amount == 59900 - 1001
    line = order.lines.get()
    assert line.paid_total == 58899
    # 58,899 × 3 % = 1,766.97 → 1,766 fen (floor); 58,899 × 5 % = 2,944.95 → 2,944.
    assert earnings(order) == {"K": (0, 2944), "Bella": (1, 1766), "Alice": (2, 1177)}


def test_no_commission_to_the_buyer_herself_or_to_her_other_accounts(chain):
    # Bella is the same person as the buyer under another WeChat account.
    Member.objects.filter(pk=chain.c.pk).update(unionid="union-1")
    Member.objects.filter(pk=chain.b.pk).update(unionid="union-1")

    order = pay(place(chain))

    # Bella's level stays empty; Alice is still level 2.
    assert earnings(order) == {"K": (0, 2995), "Alice": (2, 1198)}


def test_a_clerk_buying_for_herself_earns_no_clerk_commission(chain):
    Staff.objects.filter(pk=chain.clerk.pk).update(phone=chain.c.phone)

    order = pay(place(chain))

    assert "K" not in earnings(order)


def test_an_inactive_clerk_and_a_deactivated_member_earn_nothing(chain):
    Staff.objects.filter(pk=chain.clerk.pk).update(is_active=False)
    Member.objects.filter(pk=chain.a.pk).update(is_active=False)
    order = place(chain)  # placed while K was still credited
    Order.objects.filter(pk=order.pk).update(credited_clerk=chain.clerk)

    assert earnings(pay(order)) == {"Bella": (1, 1797)}


def test_hq_sets_how_many_levels_earn(chain):
    policy = CommissionPolicy.current()
    policy.referral_levels = 3
    policy.save()

    three = pay(place(chain))
    policy.referral_levels = 1
    policy.save()
    one = pay(place(chain))

    assert earnings(three) == {
        "K": (0, 2995),
        "Bella": (1, 1797),
        "Alice": (2, 1198),
        "Zoe": (3, 599),
    }
    assert earnings(one) == {"K": (0, 2995), "Bella": (1, 1797)}


def test_promotion_orders_earn_nothing_while_hq_excludes_them(chain):
    excluded = place(chain)
    commission_exclusion_mark(order=excluded, reason="flash sale")
    counted = place(chain)
    commission_exclusion_mark(order=counted, reason="flash sale")
    policy = CommissionPolicy.current()

    assert earnings(pay(excluded)) == {}
    policy.exclude_promotion_orders = False
    policy.save()
    assert earnings(pay(counted)) == {"K": (0, 2995), "Bella": (1, 1797), "Alice": (2, 1198)}


def test_an_order_without_any_rule_earns_nothing(chain):
    CommissionRule.objects.all().delete()

    assert earnings(pay(place(chain))) == {}


def test_a_pos_sale_earns_like_an_online_one(chain):
    order, created = pos_sale_record(
        store=chain.store,
        lines=[SaleLine(chain.sku_m, 1, 59900)],
        amount_paid=59900,
        external_id="POS-1",
        member=chain.c,
    )

    assert created and order.channel == Order.Channel.POS
    assert earnings(order) == {"K": (0, 2995), "Bella": (1, 1797), "Alice": (2, 1198)}
    # A replay of the same sale earns nothing more.
    pos_sale_record(
        store=chain.store,
        lines=[SaleLine(chain.sku_m, 1, 59900)],
        amount_paid=59900,
        external_id="POS-1",
        member=chain.c,
    )
    assert E.objects.filter(order=order).count() == 3


def test_a_pos_discount_lowers_the_base_and_an_unpaid_order_earns_nothing(chain):
    order, _created = pos_sale_record(
        store=chain.store,
        lines=[SaleLine(chain.sku_m, 2, 59900)],
        amount_paid=100000,
        external_id="POS-2",
        member=chain.c,
    )
    unpaid = place(chain)

    assert E.objects.get(order=order, level=1).base == 100000
    assert commission_entries_record(order_ids=[unpaid.pk]) == 0


def test_a_pos_sale_posted_through_the_api_earns_the_same(chain, django_user_model):
    api = token_client(django_user_model.objects.create_user("pos", is_staff=True))

    response = api.post(
        "/api/v1/pos/sales/",
        {
            "store": chain.store.code,
            "member_phone": chain.c.phone,
            "lines": [{"sku": chain.sku_m.code, "quantity": 1, "unit_price": 59900}],
            "amount_paid": 59900,
            "external_id": "POS-API-1",
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    order = Order.objects.get(external_id="POS-API-1")
    assert earnings(order) == {"K": (0, 2995), "Bella": (1, 1797), "Alice": (2, 1198)}
