"""HQ admin of flash sales: the sale, each store's share, live counters, claims (read-only)."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.db.models import IntegerField, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from o2o.admin_money import MoneyAdminMixin
from promotions.models import (
    FlashClaim,
    FlashClaimEvent,
    FlashQuotaBucket,
    FlashSale,
    FlashStoreQuota,
)
from promotions.services.flash import flash_quotas_set


def _claims_exist(sale) -> bool:
    return sale is not None and sale.pk is not None and sale.claims.exists()


class StoreQuotaFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        total = sum(
            form.cleaned_data.get("quota") or 0
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        )
        limit = getattr(self.instance, "total_quota", None)
        if limit is not None and total > limit:
            raise forms.ValidationError(
                _("The stores' quotas add up to %(total)s, more than the sale's total %(limit)s.")
                % {"total": total, "limit": limit}
            )


class StoreQuotaInline(admin.TabularInline):
    model = FlashStoreQuota
    formset = StoreQuotaFormSet
    extra = 3
    autocomplete_fields = ["store"]

    # Once shoppers have claimed, the shares are fixed (the buckets hold their units).
    def has_change_permission(self, request, obj=None):
        return not _claims_exist(obj)

    def has_add_permission(self, request, obj=None):
        return not _claims_exist(obj)

    def has_delete_permission(self, request, obj=None):
        return not _claims_exist(obj)


def _units(state: str):
    claims = (
        FlashClaim.objects.filter(sale=OuterRef("pk"), state=state)
        .values("sale")
        .annotate(units=Sum("quantity"))
        .values("units")
    )
    return Coalesce(Subquery(claims, output_field=IntegerField()), 0)


@admin.register(FlashSale)
class FlashSaleAdmin(MoneyAdminMixin, admin.ModelAdmin):
    money_fields = ("price", "shipping_fee")
    list_display = [
        "title",
        "sku",
        "starts_at",
        "ends_at",
        "total_quota",
        "units_left",
        "units_held",
        "units_paid",
        "is_active",
    ]
    list_filter = ["is_active"]
    search_fields = ["title", "sku__code", "sku__product__name"]
    autocomplete_fields = ["sku"]
    inlines = [StoreQuotaInline]

    def get_queryset(self, request):
        left = (
            FlashQuotaBucket.objects.filter(sale=OuterRef("pk"))
            .values("sale")
            .annotate(left=Sum("remaining"))
            .values("left")
        )
        return (
            super()
            .get_queryset(request)
            .select_related("sku__product")
            .annotate(
                units_left_count=Coalesce(Subquery(left, output_field=IntegerField()), 0),
                units_held_count=_units(FlashClaim.State.HELD),
                units_paid_count=_units(FlashClaim.State.PAID),
            )
        )

    @admin.display(description=_("left"), ordering="units_left_count")
    def units_left(self, sale):
        return sale.units_left_count

    @admin.display(description=_("awaiting payment"))
    def units_held(self, sale):
        return sale.units_held_count

    @admin.display(description=_("paid"))
    def units_paid(self, sale):
        return sale.units_paid_count

    def get_readonly_fields(self, request, obj=None):
        if _claims_exist(obj):
            return ["sku", "price", "total_quota", "buckets_per_store"]
        return []

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        sale = form.instance
        if not _claims_exist(sale):
            # The shares as saved become the bucket rows claims are taken from.
            flash_quotas_set(
                sale=sale, quotas={quota.store: quota.quota for quota in sale.store_quotas.all()}
            )


class ClaimEventInline(admin.TabularInline):
    model = FlashClaimEvent
    extra = 0
    can_delete = False
    readonly_fields = ["from_state", "to_state", "note", "at"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(FlashClaim)
class FlashClaimAdmin(admin.ModelAdmin):
    list_display = ["sale", "store", "member", "quantity", "state", "order", "created_at"]
    list_filter = ["state", "sale"]
    list_select_related = ["sale", "store", "member", "order"]
    inlines = [ClaimEventInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
