"""HQ's coupon pages in the admin: templates with live counters and their claim link, campaigns
to a segment (run from an action), coupons and redemptions (read-only ledgers with the cost by
bearer). Actions call the services; nothing here decides a rule."""

from django.contrib import admin, messages
from django.db.models import Sum
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from o2o.admin_money import MoneyAdminMixin
from promotions.coupon_selectors import coupon_template_counters
from promotions.models import Coupon, CouponCampaign, CouponRedemption, CouponTemplate
from promotions.services.coupons import coupon_void
from promotions.services.segments import campaign_run


@admin.register(CouponTemplate)
class CouponTemplateAdmin(MoneyAdminMixin, admin.ModelAdmin):
    money_fields = ("amount_off", "max_discount", "min_spend")
    list_display = [
        "name",
        "kind",
        "amount_off",
        "percent_off",
        "min_spend",
        "channel",
        "bearer",
        "issuer_store",
        "issued_count",
        "used",
        "is_active",
        "claim_link",
    ]
    list_filter = ["is_active", "kind", "channel", "bearer", "claimable", "new_member_gift"]
    search_fields = ["name"]
    filter_horizontal = ["stores", "categories"]
    autocomplete_fields = ["gift_sku"]
    readonly_fields = ["issued_count", "claim_link"]
    fieldsets = [
        (None, {"fields": ["name", "description", "is_active", "issuer_store"]}),
        (
            _("Value"),
            {
                "fields": [
                    "kind",
                    "amount_off",
                    "percent_off",
                    "max_discount",
                    "min_spend",
                    "gift_sku",
                ]
            },
        ),
        (
            _("Validity and limits"),
            {
                "fields": [
                    "valid_from",
                    "valid_until",
                    "valid_days",
                    "per_member_limit",
                    "total_limit",
                    "issued_count",
                ]
            },
        ),
        (_("Where"), {"fields": ["channel", "stores", "categories"]}),
        (_("Cost and refunds"), {"fields": ["bearer", "hq_share_bp", "restore_on_refund"]}),
        (_("Claim link"), {"fields": ["claimable", "claim_link", "reward_sharer"]}),
        (_("New members"), {"fields": ["new_member_gift"]}),
    ]

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        try:
            shown = response.context_data["cl"].result_list
        except (AttributeError, KeyError, TypeError):
            return response
        self._counters = coupon_template_counters(template.pk for template in shown)
        return response

    @admin.display(description=_("used"))
    def used(self, template):
        counters = getattr(self, "_counters", None) or coupon_template_counters([template.pk])
        return counters.get(template.pk, {}).get("used", 0)

    @admin.display(description=_("claim link"))
    def claim_link(self, template):
        if not template.pk or not template.claimable:
            return "—"
        return reverse("promotions:claim", args=[template.claim_token])


@admin.register(CouponCampaign)
class CouponCampaignAdmin(admin.ModelAdmin):
    list_display = ["template", "segment", "issued", "skipped", "run_at"]
    readonly_fields = ["issued", "skipped", "run_at"]
    autocomplete_fields = ["template"]
    actions = ["run"]

    @admin.action(description=_("Issue the coupon to the segment now"))
    def run(self, request, queryset):
        for campaign in queryset:
            result = campaign_run(campaign=campaign)
            self.message_user(
                request,
                ngettext(
                    "%(campaign)s: %(issued)d coupon issued, %(skipped)d skipped.",
                    "%(campaign)s: %(issued)d coupons issued, %(skipped)d skipped.",
                    result["issued"],
                )
                % {"campaign": campaign, **result},
                messages.SUCCESS,
            )


class RedemptionInline(MoneyAdminMixin, admin.TabularInline):
    model = CouponRedemption
    money_fields = ("sale_amount", "discount", "gift_value", "hq_cost", "store_cost")
    fields = [
        "channel",
        "store",
        "order",
        "reference",
        "sale_amount",
        "discount",
        "gift_sku",
        "gift_value",
        "hq_cost",
        "store_cost",
        "created_at",
        "reversed_at",
    ]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Coupon)
class CouponAdmin(admin.ModelAdmin):
    list_display = ["code", "template", "member", "status", "source", "valid_until", "issued_at"]
    list_filter = ["status", "source", "template"]
    search_fields = ["code", "member__member_code", "member__phone"]
    list_select_related = ["template", "member"]
    readonly_fields = [
        "template",
        "member",
        "code",
        "status",
        "source",
        "campaign",
        "issued_by",
        "shared_by",
        "reward_for",
        "valid_from",
        "valid_until",
        "issued_at",
        "used_at",
    ]
    inlines = [RedemptionInline]
    actions = ["void"]

    def has_add_permission(self, request):
        return False  # coupons are issued by the services (claim, campaign, desk)

    @admin.action(description=_("Withdraw the selected unused coupons"))
    def void(self, request, queryset):
        withdrawn = sum(coupon_void(coupon=coupon, note="HQ") for coupon in queryset)
        self.message_user(request, _("%(n)d withdrawn.") % {"n": withdrawn}, messages.SUCCESS)


@admin.register(CouponRedemption)
class CouponRedemptionAdmin(MoneyAdminMixin, admin.ModelAdmin):
    """The settlement ledger: each use and who bears it; totals of the filtered rows on top."""

    money_fields = ("sale_amount", "discount", "gift_value", "hq_cost", "store_cost")
    list_display = [
        "coupon",
        "channel",
        "store",
        "order",
        "discount",
        "gift_value",
        "hq_cost",
        "store_cost",
        "created_at",
        "reversed_at",
    ]
    list_filter = ["channel", "store", "coupon__template__bearer", "coupon__template"]
    date_hierarchy = "created_at"
    list_select_related = ["coupon__template", "store", "order"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        try:
            rows = response.context_data["cl"].queryset.filter(reversed_at__isnull=True)
        except (AttributeError, KeyError, TypeError):
            return response
        totals = rows.aggregate(d=Sum("discount"), h=Sum("hq_cost"), s=Sum("store_cost"))
        self.message_user(
            request,
            _("Used: %(d)s discount · HQ bears %(h)s · stores bear %(s)s")
            % {key: f"¥{(value or 0) / 100:,.2f}" for key, value in totals.items()},
            messages.INFO,
        )
        return response
