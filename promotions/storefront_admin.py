"""HQ admin of 千店千面: which products stores may reprice and by how much, and each store's
own prices and range (checked against the rule by the service)."""

from __future__ import annotations

from django import forms
from django.contrib import admin

from o2o.admin_money import MoneyAdminMixin
from o2o.money import format_yuan
from promotions.exceptions import RepriceNotAllowed
from promotions.models import RepriceRule, StoreProduct
from promotions.services.storefront import store_price_check, store_product_set


@admin.register(RepriceRule)
class RepriceRuleAdmin(admin.ModelAdmin):
    list_display = ["product", "max_discount_bp", "max_markup_bp"]
    search_fields = ["product__code", "product__name"]
    autocomplete_fields = ["product"]


class StoreProductForm(forms.ModelForm):
    class Meta:
        model = StoreProduct
        fields = ["store", "product", "price", "is_listed"]

    def clean(self):
        cleaned = super().clean()
        product, price = cleaned.get("product"), cleaned.get("price")
        if product is not None:
            try:
                store_price_check(product=product, price=price)
            except RepriceNotAllowed as error:
                self.add_error("price", str(error))
        return cleaned


@admin.register(StoreProduct)
class StoreProductAdmin(MoneyAdminMixin, admin.ModelAdmin):
    form = StoreProductForm
    money_fields = ("price",)
    list_display = ["store", "product", "price_display", "is_listed"]
    list_filter = ["is_listed", "store"]
    search_fields = ["product__code", "product__name", "store__code"]
    autocomplete_fields = ["store", "product"]
    list_select_related = ["store", "product"]

    @admin.display(description=StoreProduct._meta.get_field("price").verbose_name)
    def price_display(self, row):
        return format_yuan(row.price) if row.price is not None else "—"

    def save_model(self, request, obj, form, change):
        store_product_set(
            store=obj.store, product=obj.product, price=obj.price, is_listed=obj.is_listed
        )
