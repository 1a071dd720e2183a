from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommissionsConfig(AppConfig):
    name = "commissions"
    verbose_name = _("Commissions")

    def ready(self):
        # A refund reverses the refunded share of the order's commission. Orders sits below
        # commissions and cannot call it, so commissions registers the call here.
        from commissions.services import commission_reverse_for_refund
        from orders.services.refunds import refund_hook_register

        refund_hook_register(commission_reverse_for_refund)
