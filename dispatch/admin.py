"""HQ's view of delivery dispatch: every routing decision with its reason, every order's offers
and timeline, the HQ queue (orders no store took) with assignment by hand, and the policy.

"HQ dispatch desk" (`hq/` on the dispatch list) puts on one page what HQ watches: orders waiting
for a store to accept with the time left, the queue, reassigned orders with their chain of offers,
and per store the offers received, accepted, declined and expired with the median time to accept
against the response target.

Nothing here is edited directly: offers and states change only through dispatch.services; the
"Assign to a store" page calls `dispatch_assign` with the admin user as actor. A domain error
becomes a message and changes nothing.
"""

from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from catalog.models import SKU
from dispatch.hq_selectors import dispatches_reassigned, offer_stats_by_store, offers_waiting
from dispatch.models import (
    Delivery,
    Dispatch,
    DispatchEvent,
    DispatchOffer,
    DispatchPolicy,
    RouteDecision,
)
from dispatch.selectors import dispatch_queue, dispatches_with_current_store
from dispatch.services import dispatch_assign
from o2o.admin_readonly import ReadOnlyAdminMixin
from o2o.errors import DomainError
from stores.models import Store


@admin.register(DispatchPolicy)
class DispatchPolicyAdmin(admin.ModelAdmin):
    """One row of settings: it can be edited, not duplicated or removed."""

    list_display = [
        "__str__",
        "accept_timeout_minutes",
        "response_target_minutes",
        "max_stores_tried",
        "delivery_fee",
        "free_delivery_from",
        "updated_at",
    ]

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not DispatchPolicy.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(RouteDecision)
class RouteDecisionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "order", "outcome", "store", "credited_store", "home_store"]
    list_filter = ["outcome"]
    search_fields = ["order__number", "store__code", "home_store__code"]
    list_select_related = ["order", "store", "credited_store", "home_store"]
    date_hierarchy = "created_at"
    fields = [
        "created_at",
        "order",
        "member",
        "outcome",
        "reason",
        "store",
        "credited_store",
        "home_store",
        "latitude",
        "longitude",
        "basket",
        "plans_table",
        "transfers_table",
        "ready_at",
        "candidates_table",
    ]
    readonly_fields = fields

    def get_object(self, request, object_id, from_field=None):
        decision = super().get_object(request, object_id, from_field)
        if decision is not None:  # SKU codes for the tables below, in one query
            skus = {sku for sku, _quantity in decision.lines}
            decision.sku_codes = dict(SKU.objects.filter(pk__in=skus).values_list("pk", "code"))
        return decision

    @admin.display(description=pgettext_lazy("routing", "lines"))
    def basket(self, decision):
        codes = getattr(decision, "sku_codes", {})
        return ", ".join(f"{codes.get(sku, sku)} ×{quantity}" for sku, quantity in decision.lines)

    @admin.display(description=_("stores to offer, in order"))
    def plans_table(self, decision):
        codes = getattr(decision, "sku_codes", {})
        return _table(
            [_("store"), _("kind"), _("lines from own stock"), _("distance (km)")],
            [
                (
                    p["code"],
                    p["kind"],
                    ", ".join(str(codes.get(sku, sku)) for sku in p["covers"]),
                    p.get("distance_km", ""),
                )
                for p in decision.plans
            ],
        )

    @admin.display(description=_("transfers"))
    def transfers_table(self, decision):
        return _table(
            [
                _("SKU"),
                _("quantity"),
                _("from store"),
                _("distance (km)"),
                pgettext_lazy("transfer", "expected"),
            ],
            [
                (
                    getattr(decision, "sku_codes", {}).get(t["sku"], t["sku"]),
                    t["quantity"],
                    t["code"],
                    t["distance_km"],
                    t["expected_at"],
                )
                for t in decision.transfers
            ],
        )

    @admin.display(description=_("candidates"))
    def candidates_table(self, decision):
        codes = getattr(decision, "sku_codes", {})
        return _table(
            [
                _("store"),
                _("distance (km)"),
                _("radius (km)"),
                _("available by SKU"),
                _("lines covered"),
                pgettext_lazy("opening hours", "open"),
                _("home store"),
            ],
            [
                (
                    c["code"],
                    c["distance_km"],
                    c["radius_km"],
                    "—"
                    if c["stock"] is None  # not read: enough nearer stores had every line
                    else ", ".join(
                        f"{codes.get(int(sku), sku)}: {units}" for sku, units in c["stock"].items()
                    ),
                    "—" if c["covers"] is None else c["covers"],
                    c["open"] or "",
                    "✔" if c["home"] else "",
                )
                for c in decision.candidates
            ],
        )


def _table(headers, rows):
    if not rows:
        return "—"
    head = format_html_join("", "<th>{}</th>", ((h,) for h in headers))
    body = format_html_join(
        "",
        "<tr>{}</tr>",
        ((format_html_join("", "<td>{}</td>", ((cell,) for cell in row)),) for row in rows),
    )
    return format_html("<table><thead><tr>{}</tr></thead><tbody>{}</tbody></table>", head, body)


class DispatchOfferInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = DispatchOffer
    fields = [
        "store",
        "status",
        "basis",
        "kind",
        "covers",
        "created_at",
        "deadline",
        "responded_at",
        "actor",
        "reason",
    ]
    readonly_fields = fields
    extra = 0


class DispatchEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = DispatchEvent
    fields = ["created_at", "kind", "store", "from_state", "to_state", "actor_label", "note"]
    readonly_fields = fields
    extra = 0


class DispatchStateFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return Dispatch.State.choices

    def queryset(self, request, queryset):
        return queryset.filter(state=self.value()) if self.value() else queryset


@admin.register(Dispatch)
class DispatchAdmin(admin.ModelAdmin):
    """Every delivery order's dispatch; filter "Waiting for HQ" is the HQ queue."""

    list_display = ["order", "state", "current_store", "offer_count", "created_at", "updated_at"]
    list_filter = [DispatchStateFilter]
    search_fields = ["order__number"]
    fields = ["order", "state", "decision", "assign", "created_at", "updated_at"]
    readonly_fields = fields
    inlines = [DispatchOfferInline, DispatchEventInline]

    def get_queryset(self, request):
        return dispatches_with_current_store()

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("store now"), ordering="current_store")
    def current_store(self, dispatch):
        return dispatch.current_store or "—"

    @admin.display(description=_("offers"), ordering="offer_count")
    def offer_count(self, dispatch):
        return dispatch.offer_count

    @admin.display(description=pgettext_lazy("dispatch", "assign"))
    def assign(self, dispatch):
        if dispatch.state not in {Dispatch.State.OFFERED, Dispatch.State.QUEUED}:
            return "—"
        url = reverse("admin:dispatch_dispatch_assign", args=[dispatch.pk])
        return format_html('<a class="button" href="{}">{}</a>', url, _("Assign to a store"))

    def get_urls(self):
        return [
            path("hq/", self.admin_site.admin_view(self.hq_view), name="dispatch_dispatch_hq"),
            path(
                "<int:dispatch_id>/assign/",
                self.admin_site.admin_view(self.assign_view),
                name="dispatch_dispatch_assign",
            ),
        ] + super().get_urls()

    def assign_view(self, request, dispatch_id):
        """HQ gives the order to a store by hand (the live offer, if any, is withdrawn)."""
        if not request.user.has_perm("dispatch.change_dispatch"):
            raise PermissionDenied
        dispatch = get_object_or_404(Dispatch.objects.select_related("order"), pk=dispatch_id)
        form = AssignForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            store = form.cleaned_data["store"]
            try:
                offer = dispatch_assign(
                    dispatch=dispatch,
                    store=store,
                    actor=request.user,
                    note=form.cleaned_data["note"],
                )
            except DomainError as error:
                form.add_error(None, str(error))
            else:
                self.message_user(
                    request,
                    _("Order %(order)s offered to %(store)s until %(deadline)s.")
                    % {
                        "order": dispatch.order.number,
                        "store": store.code,
                        "deadline": offer.deadline,
                    },
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(
                    reverse("admin:dispatch_dispatch_change", args=[dispatch.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Assign order %(order)s to a store") % {"order": dispatch.order.number},
            "form": form,
            "dispatch": dispatch,
        }
        return render(request, "admin/dispatch/assign.html", context)

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "hq_url": reverse("admin:dispatch_dispatch_hq")}
        return super().changelist_view(request, extra_context)

    def hq_view(self, request):
        """What HQ watches, on one page; `?days=` sets the period of the figures (default 7)."""
        if not request.user.has_perm("dispatch.view_dispatch"):
            raise PermissionDenied
        days = _period_days(request.GET.get("days"))
        now = timezone.now()
        since = now - timedelta(days=days)
        policy = DispatchPolicy.current()
        waiting = list(offers_waiting()[:HQ_ROWS])
        for offer in waiting:
            offer.seconds_left = int((offer.deadline - now).total_seconds())
        stats = offer_stats_by_store(
            since=since, until=now, target_minutes=policy.response_target_minutes
        )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("HQ dispatch desk"),
            "now": now,
            "days": days,
            "period_choices": PERIOD_CHOICES,
            "policy": policy,
            "waiting": waiting,
            "queue": list(dispatch_queue().annotate(offer_count=Count("offers"))[:HQ_ROWS]),
            "reassigned": list(dispatches_reassigned(since=since)[:HQ_ROWS]),
            "stats": stats,
            "totals": _stats_totals(stats),
        }
        return render(request, "admin/dispatch/hq.html", context)


HQ_ROWS = 200  # per list; the changelists page through the rest
PERIOD_CHOICES = [1, 7, 30, 90]


def _period_days(raw) -> int:
    try:
        days = int(raw)
    except (TypeError, ValueError):
        return 7
    return min(max(days, 1), 366)


def _stats_totals(stats) -> dict:
    fields = ["received", "accepted", "declined", "expired", "withdrawn", "within_target"]
    return {field: sum(getattr(row, field) for row in stats) for field in fields}


class AssignForm(forms.Form):
    store = forms.ModelChoiceField(
        label=_("store"), queryset=Store.objects.filter(is_active=True).order_by("code")
    )
    note = forms.CharField(label=_("note"), max_length=200, required=False)


@admin.register(DispatchOffer)
class DispatchOfferAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "order",
        "store",
        "status",
        "basis",
        "kind",
        "created_at",
        "deadline",
        "responded_at",
        "actor",
    ]
    list_filter = ["status", "basis", "kind"]
    search_fields = ["order__number", "store__code"]
    list_select_related = ["order", "store", "actor"]
    date_hierarchy = "created_at"


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Deliveries by store staff: who delivers, for which credited store, and what came back."""

    list_display = [
        "order",
        "store",
        "credited_store",
        "courier",
        "accepted_at",
        "packed_at",
        "out_at",
        "delivered_at",
    ]
    list_filter = ["store"]
    list_select_related = ["order__credited_store", "store", "courier"]
    search_fields = ["order__number"]
    exclude = ["code"]

    @admin.display(description=_("credited store"))
    def credited_store(self, delivery):
        return delivery.order.credited_store
