"""HQ's stock back office: levels, the movement ledger, reservations; transfers and replenishment
are in inventory/transfer_admin.py.

Numbers are never edited here: stock changes only through `inventory.services` (the "Adjust
stock" form, and the transfer and reservation actions), each with the admin user as actor. A
domain error becomes a message, never a 500, and leaves the object as it was.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from inventory.admin_messages import stock_error_text
from inventory.models import (
    Reservation,
    StockLevel,
    StockMovement,
)
from inventory.services import (
    reservations_release,
    sku_resolve,
    stock_adjust,
    stock_count_set,
)
from o2o.admin_readonly import ReadOnlyAdminMixin
from o2o.errors import DomainError
from stores.models import Store

# A level is flagged when this many units or fewer are still available to sell.
LOW_STOCK_THRESHOLD = 2


@admin.display(description=_("SKU"), ordering="sku__code")
def sku_with_product(row) -> str:
    """A level's, movement's or reservation's SKU as a person reads it: code, product, variant."""
    variant = " / ".join(part for part in (row.sku.color, row.sku.size) if part)
    return " · ".join(part for part in (row.sku.code, row.sku.product.name, variant) if part)


# --- Stock levels ------------------------------------------------------------------------------


class LowStockFilter(admin.SimpleListFilter):
    title = _("low stock")
    parameter_name = "low_stock"

    def lookups(self, request, model_admin):
        return [
            ("yes", _("%(n)s or fewer available") % {"n": LOW_STOCK_THRESHOLD}),
            ("no", _("more than %(n)s available") % {"n": LOW_STOCK_THRESHOLD}),
        ]

    def queryset(self, request, queryset):
        low = {"on_hand__lte": F("reserved") + LOW_STOCK_THRESHOLD}
        if self.value() == "yes":
            return queryset.filter(**low)
        if self.value() == "no":
            return queryset.exclude(**low)
        return queryset


class StockAdjustForm(forms.Form):
    STOCKTAKE = StockMovement.Reason.STOCKTAKE

    store = forms.ModelChoiceField(queryset=Store.objects.order_by("code"), label=_("Store"))
    sku = forms.CharField(label=_("SKU code"), max_length=64)
    reason = forms.ChoiceField(
        label=_("Reason"),
        choices=[
            (StockMovement.Reason.RECEIPT, _("Receipt (adds units)")),
            (StockMovement.Reason.RETURN, _("Return (adds units)")),
            (StockMovement.Reason.ADJUSTMENT, _("Correction (adds or removes units)")),
            (StockMovement.Reason.SALE, _("Sale (removes units)")),
            (STOCKTAKE, _("Stocktake (the counted number becomes on-hand)")),
        ],
    )
    quantity = forms.IntegerField(
        label=_("Quantity"),
        min_value=-1_000_000,
        max_value=1_000_000,
        help_text=_(
            "The change in units (negative removes), or for a stocktake the number counted."
        ),
    )
    reference = forms.CharField(label=_("Reference"), max_length=64, required=False)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


@admin.register(StockLevel)
# Saving a level from a form would write back numbers read earlier and lose concurrent changes
# (and skip the ledger), so the page is view-only; changes go through the adjust form.
class StockLevelAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "store",
        sku_with_product,
        "on_hand",
        "reserved",
        "available",
        "low_stock",
        "updated_at",
        "adjust",
    ]
    list_filter = ["store__region", "store", LowStockFilter, "sku__product__category"]
    search_fields = [
        "sku__code",
        "sku__barcode",
        "sku__product__name",
        "store__code",
        "store__name",
    ]
    list_select_related = ["store", "sku", "sku__product"]
    ordering = ["store__code", "sku__code"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(available_units=F("on_hand") - F("reserved"))

    @admin.display(description=_("available"), ordering="available_units")
    def available(self, level):
        return level.available

    @admin.display(description=_("low stock"), ordering="available_units")
    def low_stock(self, level):
        # A warning, not a yes/no icon: the admin's "yes" is a green tick, which read as "fine"
        # on the rows that most need attention.
        if level.available > LOW_STOCK_THRESHOLD:
            return ""
        text = (
            _("Out of stock")
            if level.available <= 0
            else _("Low: %(n)s left") % {"n": level.available}
        )
        return format_html(
            '<span class="low-stock"><img src="{}" alt="" width="13" height="13"> {}</span>',
            static("admin/img/icon-alert.svg"),
            text,
        )

    @admin.display(description="")
    def adjust(self, level):
        query = urlencode({"store": level.store_id, "sku": level.sku.code})
        return format_html(
            '<a href="{}?{}">{}</a>',
            reverse("admin:inventory_stocklevel_adjust"),
            query,
            _("Adjust"),
        )

    def get_urls(self):
        return [
            path(
                "adjust/",
                self.admin_site.admin_view(self.adjust_view),
                name="inventory_stocklevel_adjust",
            ),
        ] + super().get_urls()

    def adjust_view(self, request):
        """Record a receipt, return, correction, sale or stocktake count for one level."""
        if not request.user.has_perm("inventory.change_stocklevel"):
            raise PermissionDenied
        if request.method == "POST":
            form = StockAdjustForm(request.POST)
        else:
            form = StockAdjustForm(initial=request.GET.dict())
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                sku = sku_resolve(data["sku"].strip())
                common = {
                    "store": data["store"],
                    "sku": sku,
                    "reference": data["reference"],
                    "note": data["note"],
                    "actor": request.user,
                }
                if data["reason"] == StockAdjustForm.STOCKTAKE:
                    level = stock_count_set(count=data["quantity"], **common)
                else:
                    level = stock_adjust(delta=data["quantity"], reason=data["reason"], **common)
            except DomainError as error:
                form.add_error(None, stock_error_text(error))
            else:
                self.message_user(
                    request,
                    _("%(store)s / %(sku)s: now %(on_hand)s on hand, %(available)s available.")
                    % {
                        "store": data["store"].code,
                        "sku": sku.code,
                        "on_hand": level.on_hand,
                        "available": level.available,
                    },
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse("admin:inventory_stocklevel_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Adjust stock"),
            "form": form,
            "level": self._level_shown(form),
        }
        return render(request, "admin/inventory/stock_adjust.html", context)

    @staticmethod
    def _level_shown(form):
        store, sku = form["store"].value(), form["sku"].value()
        if not (store and sku and str(store).isdigit()):
            return None
        return StockLevel.objects.filter(store_id=store, sku__code=sku).first()


# --- Ledger and reservations (read-only) -------------------------------------------------------


@admin.register(StockMovement)
class StockMovementAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "created_at",
        "store",
        sku_with_product,
        "delta",
        "reason",
        "reference",
        "actor",
    ]
    list_filter = ["reason", "store"]
    date_hierarchy = "created_at"
    search_fields = ["sku__code", "sku__product__name", "store__code", "reference"]
    list_select_related = ["store", "sku__product", "actor"]


@admin.register(Reservation)
class ReservationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "id",
        "store",
        sku_with_product,
        "quantity",
        "owner",
        "state",
        "expires_at",
        "created_at",
    ]
    list_filter = ["state", "store"]
    search_fields = ["owner", "sku__code", "sku__product__name", "store__code"]
    list_select_related = ["store", "sku__product"]
    actions = ["release_selected"]

    def has_release_permission(self, request):
        return request.user.has_perm("inventory.change_reservation")

    @admin.action(description=_("Release selected"), permissions=["release"])
    def release_selected(self, request, queryset):
        released = reservations_release(reservations=list(queryset.values_list("pk", flat=True)))
        self.message_user(
            request,
            ngettext(
                "%(count)d reservation released (the others were no longer active).",
                "%(count)d reservations released (the others were no longer active).",
                released,
            )
            % {"count": released},
            messages.SUCCESS,
        )


# Transfers and replenishment register themselves on import.
from inventory import transfer_admin  # noqa: E402, F401
