from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PromotionsConfig(AppConfig):
    name = "promotions"
    verbose_name = _("Promotions")

    def ready(self):
        # Orders, members and catalog sit below promotions: they call in through these
        # registrations. Checkout hands the chosen coupon over; an order that ends unpaid gives
        # its coupon and its flash-sale quota back; a full refund restores the coupon when its
        # template says so.
        from catalog import store_prices
        from catalog.cache_signals import catalog_model_watch
        from members.services.accounts import member_created_register
        from members.services.notices import marketing_gate_register
        from orders import hooks
        from promotions.models import RepriceRule, StoreProduct
        from promotions.services import flash
        from promotions.services.coupon_redemption import (
            coupon_apply_to_order,
            coupon_restore_for_refund,
            coupon_return_for_order,
        )
        from promotions.services.coupons import new_member_gifts_issue
        from promotions.services.segments import marketing_gate
        from promotions.store_prices import StorefrontResolver

        hooks.hook_register(hooks.ORDER_LAPSED, flash.on_order_lapsed)
        hooks.hook_register(hooks.ORDER_PAID, flash.on_order_paid)
        hooks.hook_register(hooks.COUPON_APPLY, coupon_apply_to_order)
        hooks.hook_register(hooks.ORDER_LAPSED, coupon_return_for_order)
        hooks.hook_register(hooks.REFUND_SUCCEEDED, coupon_restore_for_refund)
        store_prices.resolver_register(StorefrontResolver())
        # New-arrival notices and pushes share one opt-out and one frequency cap.
        marketing_gate_register(marketing_gate)
        # 新人礼: a member who joins gets the templates flagged as the new-member gift, in the
        # transaction that creates her.
        member_created_register(new_member_gifts_issue)
        # A store's prices and range are part of the cached catalog pages (catalog.page_cache).
        catalog_model_watch(RepriceRule)
        catalog_model_watch(StoreProduct)
