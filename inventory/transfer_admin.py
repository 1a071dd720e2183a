"""HQ's transfers (调货) and replenishment proposals: lines are edited while proposed, and every
move (approve, ship, receive, cancel) goes through `inventory.services`, one transfer at a time.

Imported by inventory/admin.py (Django's admin autodiscovery imports only `admin` modules).
"""

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, Sum
from django.urls import path
from django.utils.translation import gettext_lazy as _

from inventory.admin_messages import stock_error_text
from inventory.admin_transfer_request import transfer_request_view
from inventory.models import (
    ReplenishmentPolicy,
    ReplenishmentProposal,
    Transfer,
    TransferLine,
)
from inventory.services import (
    transfer_approve,
    transfer_cancel,
    transfer_receive,
    transfer_ship,
)
from o2o.errors import DomainError


class TransferLineForm(forms.ModelForm):
    quantity = forms.IntegerField(label=_("quantity"), min_value=1)

    class Meta:
        model = TransferLine
        fields = ["sku", "quantity"]


class TransferLineInline(admin.TabularInline):
    """Lines can be edited while the transfer is a proposal (it holds nothing yet); afterwards
    they are what was reserved and shipped, so they are read-only."""

    model = TransferLine
    form = TransferLineForm
    extra = 0
    raw_id_fields = ["sku"]
    # Counted by the receiving store; a difference with `quantity` went missing (or extra).
    readonly_fields = ["received_quantity"]

    def _editable(self, request, obj):
        return obj is not None and obj.state == Transfer.State.PROPOSED

    def has_add_permission(self, request, obj):
        return self._editable(request, obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._editable(request, obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._editable(request, obj) and super().has_delete_permission(request, obj)


def _apply_each(model_admin, request, queryset, *, service, done_message):
    """Run a transfer service on each selected transfer on its own, reporting each failure."""
    done = 0
    for transfer in queryset.select_related("from_store", "to_store").order_by("pk"):
        try:
            service(transfer=transfer, actor=request.user)
        except DomainError as error:
            model_admin.message_user(
                request, f"{transfer}: {stock_error_text(error)}", messages.ERROR
            )
        else:
            done += 1
    if done:
        model_admin.message_user(request, done_message % {"count": done}, messages.SUCCESS)


class TransferAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "kind",
        "state",
        "from_store",
        "to_store",
        "line_count",
        "units",
        "created_at",
        "expected_on",
        "shipped_at",
        "received_at",
    ]
    list_filter = ["state", "kind", "from_store", "to_store"]
    search_fields = ["from_store__code", "to_store__code", "note", "customer_reference"]
    list_select_related = ["from_store", "to_store"]
    readonly_fields = [
        "from_store",
        "to_store",
        "kind",
        "state",
        "requested_by",
        "expected_on",
        "customer_reference",
        "created_at",
        "updated_at",
        "shipped_at",
        "received_at",
        "receipt_note",
    ]
    fields = readonly_fields[:7] + ["note"] + readonly_fields[7:]
    inlines = [TransferLineInline]
    actions = ["approve", "ship", "receive", "cancel"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(line_total=Count("lines"), unit_total=Sum("lines__quantity"))
        )

    def get_object(self, request, object_id, from_field=None):
        transfer = super().get_object(request, object_id, from_field)
        if transfer is not None and request.method == "POST":
            # The admin saves inside a transaction: locking the transfer row makes an approval
            # arriving meanwhile wait, so it reserves exactly the lines saved here.
            Transfer.objects.select_for_update().filter(pk=transfer.pk).values_list("pk").get()
            transfer.refresh_from_db(fields=["state"])
        return transfer

    def get_urls(self):
        if self.model is not Transfer:  # the proposals page shares this class
            return super().get_urls()
        return [
            path(
                "request/",
                self.admin_site.admin_view(self.request_view),
                name="inventory_transfer_request",
            ),
        ] + super().get_urls()

    def request_view(self, request):
        """HQ asks for a transfer: held at the source at once, like a store's request."""
        return transfer_request_view(self, request)

    # Transfers are created by store requests, HQ's "Request a transfer" page and replenishment
    # runs, which reserve stock as they do; a bare row made by the standard add form would hold
    # nothing. They are never deleted: the ledger refers to them.
    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("lines"), ordering="line_total")
    def line_count(self, transfer):
        return transfer.line_total

    @admin.display(description=_("units"), ordering="unit_total")
    def units(self, transfer):
        return transfer.unit_total or 0

    @admin.action(description=_("Approve selected proposals"), permissions=["change"])
    def approve(self, request, queryset):
        _apply_each(
            self,
            request,
            queryset,
            service=transfer_approve,
            done_message=_("%(count)d transfer(s) approved; their stock is reserved."),
        )

    @admin.action(description=_("Mark selected as shipped"), permissions=["change"])
    def ship(self, request, queryset):
        _apply_each(
            self,
            request,
            queryset,
            service=transfer_ship,
            done_message=_("%(count)d transfer(s) shipped."),
        )

    @admin.action(description=_("Mark selected as received"), permissions=["change"])
    def receive(self, request, queryset):
        _apply_each(
            self,
            request,
            queryset,
            service=transfer_receive,
            done_message=_("%(count)d transfer(s) received."),
        )

    @admin.action(description=_("Cancel selected"), permissions=["change"])
    def cancel(self, request, queryset):
        _apply_each(
            self,
            request,
            queryset,
            service=transfer_cancel,
            done_message=_("%(count)d transfer(s) cancelled; held stock released."),
        )


admin.site.register(Transfer, TransferAdmin)


@admin.register(ReplenishmentProposal)
class ReplenishmentProposalAdmin(TransferAdmin):
    """Replenishment and rebalance proposals waiting for HQ: approve, edit lines, or reject."""

    list_filter = ["kind", "from_store", "to_store"]
    actions = ["approve", "cancel"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .filter(
                state=Transfer.State.PROPOSED,
                kind__in=[Transfer.Kind.REPLENISHMENT, Transfer.Kind.REBALANCE],
            )
        )


@admin.register(ReplenishmentPolicy)
class ReplenishmentPolicyAdmin(admin.ModelAdmin):
    """One row of settings: it can be edited, not duplicated or removed."""

    list_display = ["__str__", "lead_time_days", "review_period_days", "auto_approve", "updated_at"]

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not ReplenishmentPolicy.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False
