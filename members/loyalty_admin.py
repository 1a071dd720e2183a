"""HQ administration of the loyalty programme: the policy, the points ledgers, gifts and their
pickups, follow-up tasks with the conversion report, new-arrival subscriptions.

Imported by members/admin.py (Django's admin autodiscovery imports only `admin` modules).
"""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from catalog.admin import ProductAdmin
from members.models import (
    ClerkPointsEntry,
    FollowUpTask,
    Gift,
    GiftRedemption,
    LoyaltyPolicy,
    PointsEntry,
    Subscription,
)
from members.services import gifts
from members.services.arrivals import product_publish_new_arrival
from o2o.admin_money import MoneyAdminMixin
from o2o.admin_readonly import ReadOnlyAdminMixin
from o2o.errors import DomainError


@admin.register(LoyaltyPolicy)
class LoyaltyPolicyAdmin(MoneyAdminMixin, admin.ModelAdmin):
    """One row of settings: the list page goes straight to it."""

    money_fields = ("loyal_min_spend",)

    fieldsets = [
        (_("Binding"), {"fields": ["binding_policy", "binding_expiry_days"]}),
        (
            _("Points"),
            {
                "fields": [
                    "points_per_yuan",
                    "points_per_yuan_discount",
                    "scan_points_member",
                    "scan_points_clerk",
                ]
            },
        ),
        (_("Tiers"), {"fields": ["loyal_min_orders", "loyal_min_spend"]}),
        (
            _("Follow-ups"),
            {
                "fields": [
                    "followup_lead_days",
                    "first_purchase_checkin_days",
                    "conversion_window_days",
                ]
            },
        ),
    ]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        policy = LoyaltyPolicy.current()
        return HttpResponseRedirect(reverse("admin:members_loyaltypolicy_change", args=[policy.pk]))


@admin.register(PointsEntry)
class PointsEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "member", "delta", "reason", "reference", "note"]
    list_filter = ["reason"]
    search_fields = ["member__phone", "member__member_code", "reference"]
    list_select_related = ["member"]
    date_hierarchy = "created_at"


@admin.register(ClerkPointsEntry)
class ClerkPointsEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "staff", "delta", "reason", "reference"]
    list_filter = ["reason"]
    search_fields = ["staff__staff_code", "staff__display_name", "reference"]
    list_select_related = ["staff"]


@admin.register(Gift)
class GiftAdmin(admin.ModelAdmin):
    list_display = ["name", "sku", "points_cost", "is_active", "position"]
    list_editable = ["points_cost", "is_active", "position"]
    list_filter = ["is_active"]
    search_fields = ["name", "sku__code", "sku__product__name"]
    list_select_related = ["sku"]
    raw_id_fields = ["sku"]


@admin.register(GiftRedemption)
class GiftRedemptionAdmin(admin.ModelAdmin):
    list_display = ["created_at", "member", "gift", "store", "points", "state", "verified_by"]
    list_filter = ["state", "store"]
    search_fields = ["member__phone", "member__member_code", "pickup_code"]
    list_select_related = ["member", "gift", "store", "verified_by"]
    readonly_fields = [
        "member",
        "gift",
        "store",
        "points",
        "state",
        "pickup_code",
        "verified_by",
        "created_at",
        "closed_at",
    ]
    actions = ["cancel_redemptions"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Cancel and restore points"))
    def cancel_redemptions(self, request, queryset):
        cancelled = 0
        for redemption in queryset.filter(state=GiftRedemption.State.RESERVED).order_by("pk"):
            try:
                gifts.gift_cancel(redemption=redemption)
            except DomainError as error:
                self.message_user(request, f"{redemption.pk}: {error}", messages.ERROR)
            else:
                cancelled += 1
        self.message_user(
            request,
            ngettext("%d redemption cancelled.", "%d redemptions cancelled.", cancelled)
            % cancelled,
            messages.SUCCESS,
        )


class ConvertedFilter(admin.SimpleListFilter):
    title = _("converted")
    parameter_name = "converted"

    def lookups(self, request, model_admin):
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.exclude(converted_order="")
        if self.value() == "no":
            return queryset.filter(converted_order="")
        return queryset


class ConversionPeriodForm(forms.Form):
    # A date input only shows an ISO date (2026-05-01); the localized format would leave it blank.
    since = forms.DateField(
        label=_("Due from"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    until = forms.DateField(
        label=_("Due until"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )


def follow_up_conversion(*, since, until) -> dict[str, list[dict]]:
    """Tasks due in [since, until] by store and by clerk: due, outcomes recorded, converted."""
    due = FollowUpTask.objects.filter(due_date__gte=since, due_date__lte=until).order_by()
    measures = {
        "due": Count("id"),
        "recorded": Count("id", filter=~Q(outcome="")),
        "converted": Count("id", filter=~Q(converted_order="")),
    }
    by_store = list(
        due.values("store__code", "store__name").annotate(**measures).order_by("store__code")
    )
    by_clerk = list(
        due.values("assignee__staff_code", "assignee__display_name", "store__code")
        .annotate(**measures)
        .order_by("store__code", "assignee__staff_code")
    )
    for row in by_store + by_clerk:
        row["rate"] = row["converted"] / row["due"] if row["due"] else 0
    return {"by_store": by_store, "by_clerk": by_clerk}


@admin.register(FollowUpTask)
class FollowUpTaskAdmin(admin.ModelAdmin):
    list_display = [
        "due_date",
        "member",
        "kind",
        "product",
        "assignee",
        "store",
        "outcome",
        "converted_order",
    ]
    list_filter = ["kind", "outcome", ConvertedFilter, "store", "due_date"]
    search_fields = ["member__phone", "member__member_code", "source", "assignee__staff_code"]
    list_select_related = ["member", "product", "assignee", "store"]
    raw_id_fields = ["member", "assignee", "product"]
    readonly_fields = [
        "member",
        "store",
        "kind",
        "product",
        "quantity",
        "source",
        "purchased_on",
        "outcome",
        "outcome_note",
        "outcome_at",
        "converted_order",
    ]
    date_hierarchy = "due_date"
    change_list_template = "members/loyalty_admin_follow_up_change_list.html"

    def has_add_permission(self, request):
        return False

    def get_urls(self):
        return [
            path(
                "conversion/",
                self.admin_site.admin_view(self.conversion_view),
                name="members_followuptask_conversion",
            )
        ] + super().get_urls()

    def conversion_view(self, request):
        """HQ report "Follow-up conversion": by store and by clerk, for tasks due in a period."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        today = timezone.localdate()
        form = ConversionPeriodForm(
            request.GET or {"since": today - timedelta(days=30), "until": today}
        )
        report = (
            follow_up_conversion(since=form.cleaned_data["since"], until=form.cleaned_data["until"])
            if form.is_valid()
            else {"by_store": [], "by_clerk": []}
        )
        return render(
            request,
            "members/loyalty_admin_conversion.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": _("Follow-up conversion"),
                "form": form,
                **report,
            },
        )


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ["member", "category", "brand", "created_at"]
    list_filter = ["category"]
    search_fields = ["member__phone", "member__member_code", "brand"]
    list_select_related = ["member", "category"]
    raw_id_fields = ["member"]


@admin.action(description=_("Publish as new arrival"))
def publish_new_arrival(modeladmin, request, queryset):
    # Dates the products and notifies subscribers once per member and product; publishing
    # again is harmless.
    notified = sum(product_publish_new_arrival(product=p) for p in queryset.order_by("pk"))
    modeladmin.message_user(
        request,
        ngettext(
            "%(products)d product published; %(notified)d notice sent.",
            "%(products)d products published; %(notified)d notices sent.",
            notified,
        )
        % {"products": queryset.count(), "notified": notified},
        messages.SUCCESS,
    )


# Publishing notifies members' subscriptions: members adds the action to catalog's product
# admin (catalog knows nothing of members).
ProductAdmin.actions = [*ProductAdmin.actions, publish_new_arrival]
