"""HQ's admin for reports: the settlement rule, statements and bills read-only (they change
only through the services and the back-office pages), with links to those pages."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from o2o.admin_money import MoneyAdminMixin
from o2o.admin_readonly import ReadOnlyAdminMixin
from reports.models import (
    PaymentBill,
    PaymentDifference,
    SettlementEvent,
    SettlementPolicy,
    SettlementStatement,
)
from reports.settlement_views import statement_pdf_response


class ReadOnlyAdmin(ReadOnlyAdminMixin, MoneyAdminMixin, admin.ModelAdmin):
    """Statements and bills change only through their services; their money shows in yuan."""


@admin.register(SettlementPolicy)
class SettlementPolicyAdmin(admin.ModelAdmin):
    list_display = ["__str__", "platform_fee_bp", "fulfilment_fee_bp", "coupon_store_share_bp"]

    def has_add_permission(self, request):
        return not SettlementPolicy.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


class SettlementEventInline(MoneyAdminMixin, admin.TabularInline):
    model = SettlementEvent
    money_fields = ("net_due",)
    extra = 0
    can_delete = False
    readonly_fields = ["created_at", "kind", "from_state", "to_state", "net_due", "actor", "note"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(SettlementStatement)
class SettlementStatementAdmin(ReadOnlyAdmin):
    list_display = ["store", "month", "state", "net_due", "computed_at", "pdf"]
    money_fields = (
        "credited_sales",
        "credited_refunds",
        "fulfilled_for_others",
        "fulfilled_by_others",
        "discounts",
        "coupon_cost",
        "commissions",
        "platform_fee",
        "fulfilment_fees_earned",
        "fulfilment_fees_paid",
        "net_due",
    )
    list_filter = ["state", "month"]
    search_fields = ["store__code", "store__name"]
    readonly_fields = ["pdf"]
    inlines = [SettlementEventInline]

    def get_urls(self):
        return [
            path(
                "<int:pk>/statement.pdf",
                self.admin_site.admin_view(self.pdf_view),
                name="reports_settlementstatement_pdf",
            ),
            *super().get_urls(),
        ]

    def pdf_view(self, request, pk: int):
        # Here as well as in the back office: the back office shows a store's issued statements
        # to the store's desk only; HQ reads any store's, drafts too, from the admin.
        statement = get_object_or_404(SettlementStatement.objects.select_related("store"), pk=pk)
        if not self.has_view_permission(request, statement):
            raise PermissionDenied
        return statement_pdf_response(statement)

    @admin.display(description=_("PDF"))
    def pdf(self, obj):
        if obj is None or obj.pk is None:
            return ""
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:reports_settlementstatement_pdf", args=[obj.pk]),
            _("Download (PDF)"),
        )

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "title": _("Settlement statements")}
        return super().changelist_view(request, extra_context)


class PaymentDifferenceInline(MoneyAdminMixin, admin.TabularInline):
    model = PaymentDifference
    money_fields = ("our_amount", "wechat_amount")
    extra = 0
    can_delete = False
    fields = ["record", "kind", "reference", "our_amount", "wechat_amount", "resolution_note"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(PaymentBill)
class PaymentBillAdmin(ReadOnlyAdmin):
    list_display = ["bill_date", "source", "paid_total", "matched", "differences", "page"]
    money_fields = ("paid_total", "refunded_total")
    inlines = [PaymentDifferenceInline]

    @admin.display(description=_("HQ pages"))
    def page(self, obj):
        return format_html(
            '<a href="/staff/hq/reports/reconciliation/">{}</a> · '
            '<a href="/staff/hq/reports/">{}</a>',
            _("Reconciliation"),
            _("Dashboard"),
        )
