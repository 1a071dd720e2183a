"""HQ administration of members and the loyalty programme.

Balances, tiers and attribution change only through services (the ledger, the nightly tier job,
the binding service), so the admin shows them read-only and offers actions that call those
services; ledgers and event logs are read-only.
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

from members.models import (
    BindingChange,
    ClerkPointsEntry,
    FollowUpTask,
    Gift,
    GiftRedemption,
    LoyaltyPolicy,
    Member,
    MemberTag,
    Notice,
    PointsEntry,
    Subscription,
    WeChatEvent,
)
from members.services import gifts
from members.services.binding import member_home_store_change, member_rebind
from o2o.admin_money import MoneyAdminMixin
from o2o.admin_readonly import ReadOnlyAdminMixin
from o2o.errors import DomainError
from stores.models import Staff, Store


class BindingChangeInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = BindingChange
    fk_name = "member"
    extra = 0
    fields = ["created_at", "reason", "from_clerk", "to_clerk", "from_store", "to_store", "source"]
    readonly_fields = fields
    verbose_name_plural = _("binding history")


class PointsEntryInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = PointsEntry
    extra = 0
    fields = ["created_at", "delta", "reason", "reference", "note"]
    readonly_fields = fields


class MoveToClerkForm(forms.Form):
    clerk = forms.ModelChoiceField(
        queryset=Staff.objects.filter(is_active=True).select_related("store"),
        required=False,
        label=_("Clerk"),
        help_text=_("Empty: unbind the selected members."),
    )


class HomeStoreForm(forms.Form):
    store = forms.ModelChoiceField(queryset=Store.objects.filter(is_active=True), label=_("Store"))


@admin.register(Member)
class MemberAdmin(admin.ModelAdmin):
    list_display = [
        "member_code",
        "display_name",
        "phone",
        "tier",
        "points_balance",
        "home_store",
        "bound_clerk",
        "joined_via",
        "joined_at",
    ]
    list_filter = ["tier", "joined_via", "home_store", "is_active"]
    search_fields = ["phone", "member_code", "nickname", "openid", "external_id"]
    list_select_related = ["home_store", "bound_clerk"]
    filter_horizontal = ["tags"]
    date_hierarchy = "joined_at"
    readonly_fields = [
        "member_code",
        "referral_code",
        "openid",
        "unionid",
        "points_balance",
        "tier",
        "home_store",
        "bound_clerk",
        "bound_at",
        "referrer",
        "avatar_url",
        "joined_via",
        "last_purchase_at",
        "joined_at",
    ]
    fieldsets = [
        (
            None,
            {"fields": ["member_code", "nickname", "phone", "external_id", "is_active", "tags"]},
        ),
        (_("Loyalty"), {"fields": ["points_balance", "tier", "last_purchase_at"]}),
        (
            _("Attribution"),
            {"fields": ["home_store", "bound_clerk", "bound_at", "referrer", "referral_code"]},
        ),
        (_("WeChat"), {"fields": ["openid", "unionid", "avatar_url", "joined_via", "joined_at"]}),
    ]
    inlines = [BindingChangeInline, PointsEntryInline]
    actions = ["move_to_clerk", "change_home_store"]

    def has_add_permission(self, request):
        # Members come from WeChat, the POS or the API, always through members.services.accounts.
        return False

    def _intermediate(self, request, queryset, form, title):
        return render(
            request,
            "members/loyalty_admin_action_form.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": title,
                "form": form,
                "objects": queryset,
                "action": request.POST.get("action"),
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            },
        )

    @admin.action(description=_("Move to another clerk"))
    def move_to_clerk(self, request, queryset):
        # Two steps: the action asks for the clerk, then posts back with `apply`.
        form = MoveToClerkForm(request.POST if "apply" in request.POST else None)
        if not form.is_valid():
            return self._intermediate(request, queryset, form, _("Move members to a clerk"))
        clerk = form.cleaned_data["clerk"]
        for member in queryset.order_by("pk"):
            member_rebind(member=member, clerk=clerk, actor=request.user, source="hq:admin")
        count = queryset.count()
        self.message_user(
            request,
            ngettext("%d member moved.", "%d members moved.", count) % count,
            messages.SUCCESS,
        )
        return None

    @admin.action(description=_("Change home store"))
    def change_home_store(self, request, queryset):
        form = HomeStoreForm(request.POST if "apply" in request.POST else None)
        if not form.is_valid():
            return self._intermediate(request, queryset, form, _("Change members' home store"))
        store = form.cleaned_data["store"]
        for member in queryset.order_by("pk"):
            member_home_store_change(
                member=member, store=store, actor=request.user, source="hq:admin"
            )
        count = queryset.count()
        self.message_user(
            request,
            ngettext("%d member moved to the store.", "%d members moved to the store.", count)
            % count,
            messages.SUCCESS,
        )
        return None


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


@admin.register(BindingChange)
class BindingChangeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "created_at",
        "member",
        "reason",
        "from_clerk",
        "to_clerk",
        "from_store",
        "to_store",
        "actor",
    ]
    list_filter = ["reason"]
    search_fields = ["member__phone", "member__member_code", "source"]
    list_select_related = ["member", "from_clerk", "to_clerk", "from_store", "to_store", "actor"]


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


@admin.register(Notice)
class NoticeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "member", "kind", "title", "read_at"]
    list_filter = ["kind"]
    search_fields = ["member__phone", "member__member_code", "title", "dedupe_key"]
    list_select_related = ["member"]


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ["member", "category", "brand", "created_at"]
    list_filter = ["category"]
    search_fields = ["member__phone", "member__member_code", "brand"]
    list_select_related = ["member", "category"]
    raw_id_fields = ["member"]


@admin.register(MemberTag)
class MemberTagAdmin(admin.ModelAdmin):
    list_display = ["name", "member_count"]
    search_fields = ["name"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(member_count=Count("members"))

    @admin.display(description=_("members"), ordering="member_count")
    def member_count(self, obj):
        return obj.member_count


@admin.register(WeChatEvent)
class WeChatEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "event", "event_key", "openid"]
    list_filter = ["event"]
    search_fields = ["openid", "event_key", "dedupe_key"]
