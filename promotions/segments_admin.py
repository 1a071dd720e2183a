"""HQ's segment and push pages in the admin: segments with their member counts (refreshed by an
action, or nightly by the `segments_refresh` command), pushes sent from an action, opt-outs."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from o2o.admin_money import MoneyAdminMixin
from promotions.models import Push, PushOptOut, Segment
from promotions.services.segments import push_send, segment_refresh


@admin.register(Segment)
class SegmentAdmin(MoneyAdminMixin, admin.ModelAdmin):
    money_fields = ("min_spend_12m",)
    list_display = ["name", "member_count", "refreshed_at"]
    readonly_fields = ["member_count", "refreshed_at"]
    filter_horizontal = ["tags", "home_stores"]
    search_fields = ["name"]
    actions = ["refresh"]

    @admin.action(description=_("Refresh the members of the selected segments"))
    def refresh(self, request, queryset):
        for segment in queryset:
            count = segment_refresh(segment=segment)
            self.message_user(
                request,
                _("%(segment)s: %(n)d members.") % {"segment": segment, "n": count},
                messages.SUCCESS,
            )


@admin.register(Push)
class PushAdmin(admin.ModelAdmin):
    list_display = ["title", "segment", "sent", "capped", "opted_out", "sent_at"]
    readonly_fields = ["sent", "capped", "opted_out", "sent_at"]
    actions = ["send"]

    @admin.action(description=_("Send the selected pushes now"))
    def send(self, request, queryset):
        for push in queryset:
            counts = push_send(push=push)
            self.message_user(
                request,
                _(
                    "%(push)s: sent to %(sent)d, held back by the cap %(capped)d, "
                    "opted out %(opted_out)d."
                )
                % {"push": push, **counts},
                messages.SUCCESS,
            )


@admin.register(PushOptOut)
class PushOptOutAdmin(admin.ModelAdmin):
    list_display = ["member", "created_at"]
    search_fields = ["member__member_code", "member__phone"]
    readonly_fields = ["member", "created_at"]

    def has_add_permission(self, request):
        return False
