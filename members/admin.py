"""HQ administration of members: the member list and page (rebind, move home store), binding
history, tags, notices and WeChat events; the loyalty programme is in members/loyalty_admin.py.

Balances, tiers and attribution change only through services (the ledger, the nightly tier job,
the binding service), so the admin shows them read-only and offers actions that call those
services; ledgers and event logs are read-only.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db.models import Count
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from members.models import (
    BindingChange,
    Member,
    MemberTag,
    Notice,
    PointsEntry,
    WeChatEvent,
)
from members.services.binding import member_home_store_change, member_rebind, staff_deactivate
from o2o.admin_readonly import ReadOnlyAdminMixin
from stores.admin import StaffAdmin
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


@admin.register(Notice)
class NoticeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "member", "kind", "title", "read_at"]
    list_filter = ["kind"]
    search_fields = ["member__phone", "member__member_code", "title", "dedupe_key"]
    list_select_related = ["member"]


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


@admin.action(description=_("Deactivate (members go to the store manager)"))
def deactivate_and_hand_over(modeladmin, request, queryset):
    for staff in queryset.select_related("store", "user"):
        moved = staff_deactivate(staff=staff, actor=request.user)
        modeladmin.message_user(
            request,
            _("%(name)s deactivated; %(count)s member(s) handed to the store manager.")
            % {"name": staff.display_name, "count": moved},
            messages.SUCCESS,
        )


# A leaving clerk's members go to the store manager: members adds the action to the stores
# staff admin (stores knows nothing of members).
StaffAdmin.actions = [*StaffAdmin.actions, deactivate_and_hand_over]


# The loyalty programme's admin pages register themselves on import.
from members import loyalty_admin  # noqa: E402, F401
