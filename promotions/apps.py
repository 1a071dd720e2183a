from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PromotionsConfig(AppConfig):
    name = "promotions"
    verbose_name = _("Promotions")

    def ready(self):
        # Orders and catalog sit below promotions: they call in through these registrations.
        from catalog import store_prices
        from orders import hooks
        from promotions.services import flash
        from promotions.store_prices import StorefrontResolver

        hooks.hook_register(hooks.ORDER_LAPSED, flash.on_order_lapsed)
        hooks.hook_register(hooks.ORDER_PAID, flash.on_order_paid)
        store_prices.resolver_register(StorefrontResolver())
