"""HQ's view of orders, payments, notifications, refunds and carts.

Nothing here changes an order's status or money directly: statuses move only through the
services (the one door, `orders.services.status`), so the status and amounts are read-only and
the only write is the "Refund in full" action, which calls the refund services.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from o2o.admin_money import MoneyAdminMixin
from o2o.admin_readonly import ReadOnlyAdminMixin
from o2o.errors import DomainError
from orders.models import (
    BookingPolicy,
    Cart,
    CartLine,
    Order,
    OrderEvent,
    OrderLine,
    Payment,
    PaymentNotification,
    Refund,
    RefundLine,
)
from orders.services.refunds import refund_execute, refund_request


class ReadOnlyInline(ReadOnlyAdminMixin, admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False


class OrderLineInline(MoneyAdminMixin, ReadOnlyInline):
    model = OrderLine
    money_fields = ("unit_price", "discount_share")
    fields = [
        "sku",
        "product_name",
        "color",
        "size",
        "unit_price",
        "quantity",
        "discount_share",
        "refunded_quantity",
    ]
    readonly_fields = fields


class OrderEventInline(ReadOnlyInline):
    model = OrderEvent
    fields = ["created_at", "event", "by", "note"]
    readonly_fields = fields

    @admin.display(description=_("event"))
    def event(self, event: OrderEvent) -> str:
        return event.summary

    @admin.display(description=_("by"))
    def by(self, event: OrderEvent) -> str:
        return event.actor_display


class PaymentInline(MoneyAdminMixin, ReadOnlyInline):
    model = Payment
    money_fields = ("amount",)
    fields = ["out_trade_no", "amount", "status", "transaction_id", "sandbox", "paid_at"]
    readonly_fields = fields


class RefundInline(MoneyAdminMixin, ReadOnlyInline):
    model = Refund
    money_fields = ("amount",)
    fields = ["out_refund_no", "amount", "status", "reason", "damaged", "refund_id", "created_at"]
    readonly_fields = fields
    show_change_link = True


class RefundActionForm(ActionForm):
    reason = forms.CharField(label=_("Refund reason"), max_length=200, required=False)
    damaged = forms.BooleanField(label=_("damaged (no restock)"), required=False)


@admin.register(Order)
class OrderAdmin(MoneyAdminMixin, admin.ModelAdmin):
    money_fields = (
        "goods_amount",
        "discount_amount",
        "points_discount_amount",
        "shipping_amount",
        "total_amount",
        "refunded_amount",
    )
    list_display = [
        "number",
        "status",
        "channel",
        "fulfillment",
        "fulfilling_store",
        "credited_store",
        "credited_clerk",
        "member",
        "total_amount",
        "created_at",
    ]
    list_filter = ["status", "channel", "fulfillment", "fulfilling_store", "credited_store"]
    search_fields = ["number", "member__phone", "external_id"]
    list_select_related = ["fulfilling_store", "credited_store", "credited_clerk", "member"]
    date_hierarchy = "created_at"
    ordering = ["-created_at", "-id"]
    inlines = [OrderLineInline, OrderEventInline, PaymentInline, RefundInline]
    action_form = RefundActionForm
    actions = ["refund_in_full"]
    readonly_fields = [
        "number",
        "status",
        "channel",
        "fulfillment",
        "member",
        "fulfilling_store",
        "credited_store",
        "credited_clerk",
        "assisted_by",
        "shared_by",
        "goods_amount",
        "discount_amount",
        "points_used",
        "points_discount_amount",
        "shipping_amount",
        "total_amount",
        "refunded_amount",
        "address",
        "appointment_at",
        "external_id",
        "pickup_code",
        "expires_at",
        "paid_at",
        "completed_at",
        "created_at",
        "updated_at",
        "note",
    ]

    def has_add_permission(self, request):
        return False  # orders are placed by shoppers, clerks and the POS API, through services

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Refund in full (give a reason above)"), permissions=["change"])
    def refund_in_full(self, request, queryset):
        reason = (request.POST.get("reason") or "").strip()
        if not reason:
            self.message_user(request, _("Give a refund reason first."), messages.ERROR)
            return
        damaged = request.POST.get("damaged") in {"on", "true", "1"}
        done = 0
        for order in queryset:
            try:
                refund = refund_request(
                    order=order, lines=None, reason=reason, damaged=damaged, actor=request.user
                )
            except DomainError as error:
                self.message_user(request, f"{order.number}: {error}", messages.ERROR)
                continue
            refund = refund_execute(refund=refund)
            if refund.status == Refund.Status.FAILED:
                self.message_user(
                    request, f"{order.number}: {_('WeChat refused the refund')}", messages.ERROR
                )
            else:
                done += 1
        if done:
            self.message_user(
                request,
                ngettext("%(n)d order refunded.", "%(n)d orders refunded.", done) % {"n": done},
                messages.SUCCESS,
            )


@admin.register(PaymentNotification)
class PaymentNotificationAdmin(MoneyAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Every notification received; HQ reviews the forged and mismatched ones."""

    money_fields = ("amount",)

    list_display = [
        "received_at",
        "outcome",
        "out_trade_no",
        "transaction_id",
        "amount",
        "remote_addr",
    ]
    list_filter = ["outcome"]
    search_fields = ["out_trade_no", "transaction_id"]
    date_hierarchy = "received_at"


@admin.register(Payment)
class PaymentAdmin(MoneyAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    money_fields = ("amount",)
    list_display = [
        "out_trade_no",
        "order",
        "amount",
        "status",
        "sandbox",
        "transaction_id",
        "paid_at",
    ]
    list_filter = ["status", "sandbox"]
    search_fields = ["out_trade_no", "transaction_id", "order__number"]
    list_select_related = ["order"]


class RefundLineInline(MoneyAdminMixin, ReadOnlyInline):
    model = RefundLine
    money_fields = ("amount",)
    fields = ["order_line", "quantity", "amount"]
    readonly_fields = fields


@admin.register(Refund)
class RefundAdmin(MoneyAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    money_fields = ("amount",)
    list_display = [
        "out_refund_no",
        "order",
        "amount",
        "status",
        "damaged",
        "created_at",
        "completed_at",
    ]
    list_filter = ["status", "damaged"]
    search_fields = ["out_refund_no", "order__number", "refund_id"]
    list_select_related = ["order"]
    inlines = [RefundLineInline]


class CartLineInline(ReadOnlyInline):
    model = CartLine
    fields = ["sku", "quantity", "added_at"]
    readonly_fields = fields


@admin.register(Cart)
class CartAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["id", "member", "built_by", "store", "claimed_order", "updated_at"]
    list_filter = ["store"]
    search_fields = ["token", "member__phone", "built_by__staff_code"]
    list_select_related = ["member", "built_by", "store", "claimed_order"]
    inlines = [CartLineInline]


@admin.register(BookingPolicy)
class BookingPolicyAdmin(admin.ModelAdmin):
    """One row of settings (try-in-store limits): the list page goes straight to it."""

    fields = ["horizon_days", "max_open_per_member", "max_open_per_member_per_store"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        policy = BookingPolicy.current()
        return HttpResponseRedirect(reverse("admin:orders_bookingpolicy_change", args=[policy.pk]))
