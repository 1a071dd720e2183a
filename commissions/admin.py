"""HQ administration of commissions: policy, rules, the ledger (read-only, CSV export), wallets
(freeze / unfreeze), withdrawals (approve / reject) and the report by clerk, store, member and
month. Every change goes through a service that logs who and when (`CommissionAudit`)."""

from __future__ import annotations

import csv
from datetime import datetime, time, timedelta

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from commissions.models import (
    CommissionAudit,
    CommissionEntry,
    CommissionExclusion,
    CommissionPolicy,
    CommissionRule,
    Wallet,
    Withdrawal,
    WithdrawalEvent,
)
from commissions.selectors import REPORT_GROUPS, commission_report
from commissions.services.rules import (
    FIXED_ONCE_USED,
    commission_policy_save,
    commission_rule_save,
)
from commissions.services.wallets import wallet_freeze, wallet_unfreeze
from commissions.services.withdrawals import withdrawal_approve, withdrawal_reject
from o2o.admin_money import MoneyAdminMixin
from o2o.admin_readonly import ReadOnlyAdminMixin
from o2o.errors import DomainError


def _csv_response(filename: str, header: list[str], rows) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")  # Excel opens UTF-8 (Chinese names) only with the BOM
    writer = csv.writer(response)
    writer.writerow(header)
    for row in rows:
        # Cells a spreadsheet would run as a formula are quoted as text.
        writer.writerow(["'" + c if isinstance(c, str) and c[:1] in "=+-@" else c for c in row])
    return response


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200)


def _ask_reason(modeladmin, request, queryset, title):
    form = ReasonForm(request.POST if "apply" in request.POST else None)
    if form.is_valid():
        return form.cleaned_data["reason"], None
    return None, render(
        request,
        "members/loyalty_admin_action_form.html",
        {
            **modeladmin.admin_site.each_context(request),
            "opts": modeladmin.model._meta,
            "title": title,
            "form": form,
            "objects": queryset,
            "action": request.POST.get("action"),
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        },
    )


@admin.register(CommissionPolicy)
class CommissionPolicyAdmin(MoneyAdminMixin, admin.ModelAdmin):
    """One row of settings: the list page goes straight to it."""

    money_fields = ("min_withdrawal",)
    fields = ["referral_levels", "return_window_days", "min_withdrawal", "exclude_promotion_orders"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        policy = CommissionPolicy.current()
        return HttpResponseRedirect(
            reverse("admin:commissions_commissionpolicy_change", args=[policy.pk])
        )

    def save_model(self, request, obj, form, change):
        commission_policy_save(policy=obj, actor=request.user)


@admin.register(CommissionRule)
class CommissionRuleAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "scope",
        "clerk_rate_bp",
        "level1_rate_bp",
        "level2_rate_bp",
        "level3_rate_bp",
        "valid_from",
        "valid_until",
    ]
    list_filter = ["scope"]
    search_fields = ["product__code", "product__name", "category__name", "note"]
    raw_id_fields = ["product"]
    list_select_related = ["product", "category"]
    fields = [
        "scope",
        "category",
        "product",
        "clerk_rate_bp",
        "level1_rate_bp",
        "level2_rate_bp",
        "level3_rate_bp",
        "valid_from",
        "valid_until",
        "note",
    ]

    def get_readonly_fields(self, request, obj=None):
        # A rule entries were computed with keeps what they used: HQ ends it and adds another.
        if obj is not None and obj.entries.exists():
            return [name.removesuffix("_id") for name in FIXED_ONCE_USED]
        return []

    def has_delete_permission(self, request, obj=None):
        # Rules end (`valid_until`) instead of disappearing: every change stays in the audit log.
        return False

    def save_model(self, request, obj, form, change):
        commission_rule_save(rule=obj, actor=request.user)


@admin.register(CommissionEntry)
class CommissionEntryAdmin(MoneyAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    money_fields = ("base", "amount")
    list_display = [
        "created_at",
        "wallet",
        "order",
        "buyer",
        "level",
        "kind",
        "status",
        "rate_bp",
        "base",
        "amount",
        "store",
    ]
    list_filter = ["status", "kind", "level", "store"]
    search_fields = [
        "order__number",
        "wallet__member__phone",
        "wallet__member__member_code",
        "wallet__staff__staff_code",
        "buyer__phone",
    ]
    list_select_related = ["wallet__member", "wallet__staff", "order", "buyer", "store"]
    date_hierarchy = "created_at"
    actions = ["export_csv"]
    change_list_template = "commissions/admin_entry_change_list.html"

    def get_urls(self):
        return [
            path(
                "report/",
                self.admin_site.admin_view(self.report_view),
                name="commissions_commissionentry_report",
            ),
            path(
                "export/",
                self.admin_site.admin_view(self.export_view),
                name="commissions_commissionentry_export",
            ),
        ] + super().get_urls()

    @admin.action(description=_("Export selected entries as CSV"))
    def export_csv(self, request, queryset):
        return self._export(queryset)

    def export_view(self, request):
        """Every entry of the list as filtered (the change list's own query string)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            # Django's own answer to a filter it cannot apply: the list, flagged.
            return HttpResponseRedirect(
                reverse("admin:commissions_commissionentry_changelist") + "?e=1"
            )
        return self._export(changelist.get_queryset(request))

    def _export(self, queryset):
        rows = (
            [
                entry.created_at.isoformat(),
                entry.order.number,
                entry.wallet.owner_name,
                "clerk" if entry.wallet.staff_id else "member",
                entry.level,
                entry.kind,
                entry.status,
                entry.rule_id,
                entry.rate_bp,
                entry.base,
                entry.amount,
                entry.store.code if entry.store else "",
                entry.withdrawal.out_bill_no if entry.withdrawal else "",
            ]
            for entry in queryset.select_related(
                "order", "wallet__member", "wallet__staff", "store", "withdrawal"
            ).iterator(chunk_size=2000)
        )
        header = [
            "time",
            "order",
            "beneficiary",
            "beneficiary_kind",
            "level",
            "kind",
            "status",
            "rule",
            "rate_bp",
            "base_fen",
            "amount_fen",
            "store",
            "withdrawal",
        ]
        return _csv_response("commission-entries.csv", header, rows)

    def report_view(self, request):
        """HQ report: commission by clerk, store, member or month, for a period; CSV too."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        today = timezone.localdate()
        form = ReportForm(
            request.GET or {"group": "clerk", "since": today.replace(day=1), "until": today}
        )
        rows = []
        if form.is_valid():
            zone = timezone.get_current_timezone()
            since = datetime.combine(form.cleaned_data["since"], time.min, zone)
            until = datetime.combine(form.cleaned_data["until"] + timedelta(days=1), time.min, zone)
            group = form.cleaned_data["group"]
            rows = commission_report(group=group, since=since, until=until)
            if request.GET.get("format") == "csv":
                fields = REPORT_GROUPS[group]
                figures = ["earned", "reversed", "net", "pending", "confirmed", "withdrawn"]
                return _csv_response(
                    f"commission-by-{group}.csv",
                    fields + [f"{name}_fen" for name in figures] + ["entries"],
                    (
                        [str(row[name]) if row[name] is not None else "" for name in fields]
                        + [row[name] for name in figures]
                        + [row["entries"]]
                        for row in rows
                    ),
                )
        return render(
            request,
            "commissions/admin_report.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": _("Commission report"),
                "form": form,
                "rows": rows,
                "group": form.cleaned_data.get("group") if form.is_valid() else "",
            },
        )


class ReportForm(forms.Form):
    group = forms.ChoiceField(
        label=_("By"),
        choices=[
            ("clerk", _("Clerk")),
            ("store", _("Store")),
            ("member", _("Member")),
            ("month", _("Month")),
        ],
    )
    since = forms.DateField(label=_("From"))
    until = forms.DateField(label=_("To (inclusive)"))


@admin.register(Wallet)
class WalletAdmin(MoneyAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    money_fields = ("pending", "available", "requested", "withdrawn", "reversed")
    list_display = [
        "__str__",
        "pending",
        "available",
        "requested",
        "withdrawn",
        "reversed",
        "frozen",
        "frozen_reason",
    ]
    list_filter = ["frozen"]
    search_fields = [
        "member__phone",
        "member__member_code",
        "member__nickname",
        "staff__staff_code",
        "staff__display_name",
    ]
    list_select_related = ["member", "staff"]
    actions = ["freeze", "unfreeze"]

    def has_change_permission(self, request, obj=None):
        # The actions change wallets; the rows themselves are never edited.
        return request.user.has_perm("commissions.change_wallet") and obj is None

    @admin.action(description=_("Freeze payouts"), permissions=["change"])
    def freeze(self, request, queryset):
        reason, page = _ask_reason(self, request, queryset, _("Freeze beneficiaries"))
        if page is not None:
            return page
        for wallet in queryset.order_by("pk"):
            wallet_freeze(wallet=wallet, reason=reason, actor=request.user)
        self.message_user(request, _("Payouts frozen; their commission still accrues."))
        return None

    @admin.action(description=_("Unfreeze payouts"), permissions=["change"])
    def unfreeze(self, request, queryset):
        for wallet in queryset.order_by("pk"):
            wallet_unfreeze(wallet=wallet, actor=request.user)
        self.message_user(request, _("Payouts unfrozen."))


class WithdrawalEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = WithdrawalEvent
    extra = 0
    fields = ["created_at", "kind", "from_status", "to_status", "actor", "actor_label", "note"]
    readonly_fields = fields


@admin.register(Withdrawal)
class WithdrawalAdmin(MoneyAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    money_fields = ("amount",)
    list_display = [
        "created_at",
        "out_bill_no",
        "wallet",
        "amount",
        "status",
        "backend",
        "reason",
        "paid_at",
    ]
    list_filter = ["status", "backend"]
    search_fields = [
        "out_bill_no",
        "wallet__member__phone",
        "wallet__member__member_code",
        "wallet__staff__staff_code",
    ]
    list_select_related = ["wallet__member", "wallet__staff"]
    date_hierarchy = "created_at"
    inlines = [WithdrawalEventInline]
    actions = ["approve", "reject"]
    exclude = ["payee_openid", "real_name", "package_info"]

    def has_change_permission(self, request, obj=None):
        return request.user.has_perm("commissions.change_withdrawal") and obj is None

    def _each(self, request, queryset, act, done_message):
        done = 0
        for withdrawal in queryset.order_by("pk"):
            try:
                act(withdrawal)
                done += 1
            except DomainError as error:
                self.message_user(request, f"{withdrawal}: {error}", messages.ERROR)
        if done:
            self.message_user(request, done_message(done), messages.SUCCESS)

    @admin.action(description=_("Approve and pay out"), permissions=["change"])
    def approve(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda w: withdrawal_approve(withdrawal=w, actor=request.user),
            lambda n: ngettext("%d withdrawal approved.", "%d withdrawals approved.", n) % n,
        )

    @admin.action(description=_("Reject (with a reason)"), permissions=["change"])
    def reject(self, request, queryset):
        reason, page = _ask_reason(self, request, queryset, _("Reject withdrawals"))
        if page is not None:
            return page
        self._each(
            request,
            queryset,
            lambda w: withdrawal_reject(withdrawal=w, actor=request.user, reason=reason),
            lambda n: ngettext("%d withdrawal rejected.", "%d withdrawals rejected.", n) % n,
        )
        return None


@admin.register(CommissionAudit)
class CommissionAuditAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "action", "target", "detail", "actor"]
    list_filter = ["action"]
    search_fields = ["target", "detail", "actor__username"]
    list_select_related = ["actor"]
    date_hierarchy = "created_at"


@admin.register(CommissionExclusion)
class CommissionExclusionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "order", "reason"]
    search_fields = ["order__number", "reason"]
    list_select_related = ["order"]
