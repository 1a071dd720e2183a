from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommissionsConfig(AppConfig):
    name = "commissions"
    verbose_name = _("Commissions")

    def ready(self):
        # Orders sits below commissions and cannot call it: commissions plugs into the order's
        # hook points (orders.hooks). A payment writes the earnings in the paid transition's
        # transaction; a refund reverses the refunded share in the refund's.
        from commissions.services.ledger import (
            commission_record_for_order,
            commission_reverse_for_refund,
        )
        from orders import hooks

        hooks.hook_register(hooks.ORDER_PAID, commission_record_for_order)
        hooks.hook_register(hooks.REFUND_SUCCEEDED, commission_reverse_for_refund)
