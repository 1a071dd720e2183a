from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PromotionsConfig(AppConfig):
    name = "promotions"
    verbose_name = _("Promotions")

    def ready(self):
        # Orders and catalog sit below promotions: they call in through these registrations.
        from catalog import store_prices
        from catalog.cache_signals import catalog_model_watch
        from orders import hooks
        from promotions.models import RepriceRule, StoreProduct
        from promotions.services import flash
        from promotions.store_prices import StorefrontResolver

        hooks.hook_register(hooks.ORDER_LAPSED, flash.on_order_lapsed)
        hooks.hook_register(hooks.ORDER_PAID, flash.on_order_paid)
        store_prices.resolver_register(StorefrontResolver())
        # A store's prices and range are part of the cached catalog pages (catalog.page_cache).
        catalog_model_watch(RepriceRule)
        catalog_model_watch(StoreProduct)
