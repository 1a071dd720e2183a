from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PromotionsConfig(AppConfig):
    name = "promotions"
    verbose_name = _("Promotions")

    def ready(self):
        # Orders sits below promotions and cannot call it: coupons plug into the order's hook
        # points (orders.hooks). Checkout hands the chosen coupon over; an order that ends
        # unpaid gives it back; a full refund restores it when its template says so.
        from members.services.notices import marketing_gate_register
        from orders import hooks
        from promotions.services.coupons import (
            coupon_apply_to_order,
            coupon_restore_for_refund,
            coupon_return_for_order,
        )
        from promotions.services.segments import marketing_gate

        hooks.hook_register(hooks.COUPON_APPLY, coupon_apply_to_order)
        hooks.hook_register(hooks.ORDER_LAPSED, coupon_return_for_order)
        hooks.hook_register(hooks.REFUND_SUCCEEDED, coupon_restore_for_refund)
        # New-arrival notices and pushes share one opt-out and one frequency cap.
        marketing_gate_register(marketing_gate)
