from datetime import timedelta

from django.contrib import admin, messages
from django.db.models import DateTimeField, ExpressionWrapper, F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from o2o.admin_readonly import ReadOnlyAdminMixin
from o2o.durable import durable_retry
from o2o.models import DurableTask, Heartbeat, IdempotencyRecord, SecurityEvent, ThrottleCounter
from o2o.throttle import throttle_unlock


@admin.register(Heartbeat)
class HeartbeatAdmin(admin.ModelAdmin):
    list_display = ("source", "last_seen", "beats")
    readonly_fields = ("source", "last_seen", "beats")

    def has_add_permission(self, request):
        return False


@admin.register(IdempotencyRecord)
class IdempotencyRecordAdmin(admin.ModelAdmin):
    """Stored answers to API writes, for looking into what a client was told. Read-only: editing
    or deleting one would change what a retry of that request gets."""

    list_display = ("created_at", "user", "method", "path", "key", "response_status")
    list_filter = ("method", "response_status")
    search_fields = ("key", "path", "user__username")
    list_select_related = ("user",)
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def _with_window_end(queryset):
    return queryset.annotate(
        window_end=ExpressionWrapper(
            F("window_start") + F("window_seconds") * timedelta(seconds=1),
            output_field=DateTimeField(),
        )
    )


class LockedNowFilter(admin.SimpleListFilter):
    title = _("locked out")
    parameter_name = "locked"

    def lookups(self, request, model_admin):
        return [("yes", _("Locked out now"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return _with_window_end(queryset).filter(
                count__gt=F("limit"), window_end__gt=timezone.now()
            )
        return queryset


@admin.register(ThrottleCounter)
class ThrottleCounterAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Who is trying guessable secrets right now, who is locked out, and the unlock button.

    Rows are written only by o2o.throttle; "Unlock" deletes them (a fresh allowance) and leaves
    a security event naming who unlocked."""

    list_display = ("scope", "key", "count", "limit", "window_start", "locked_until")
    list_filter = (LockedNowFilter, "scope")
    search_fields = ("key",)
    ordering = ("-window_start",)
    actions = ["unlock"]

    @admin.display(description=_("locked until"))
    def locked_until(self, counter):
        end = counter.window_start + timedelta(seconds=counter.window_seconds)
        if counter.count > counter.limit and end > timezone.now():
            return timezone.localtime(end).strftime("%Y-%m-%d %H:%M")
        return "-"

    def has_unlock_permission(self, request):
        return request.user.has_perm("o2o.delete_throttlecounter")

    @admin.action(description=_("Unlock (forget the attempts)"), permissions=["unlock"])
    def unlock(self, request, queryset):
        unlocked = throttle_unlock(counters=list(queryset), by=request.user)
        self.message_user(
            request,
            ngettext("%(count)d counter cleared.", "%(count)d counters cleared.", unlocked)
            % {"count": unlocked},
            messages.SUCCESS,
        )


@admin.register(SecurityEvent)
class SecurityEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Wrong passwords and codes, lockouts and unlocks, for HQ to look into."""

    list_display = ("created_at", "kind", "secret", "target", "client_ip", "user", "note")
    list_filter = ("kind", "secret")
    search_fields = ("target", "client_ip", "user__username")
    list_select_related = ("user",)
    date_hierarchy = "created_at"


@admin.register(DurableTask)
class DurableTaskAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Tasks that must happen (o2o.durable): what waits for the broker, what was given up."""

    list_display = ("created_at", "task", "key", "status", "attempts", "runs", "done_at")
    list_filter = ("status", "task")
    search_fields = ("key", "task")
    date_hierarchy = "created_at"
    actions = ["send_again"]

    def has_send_again_permission(self, request):
        return request.user.is_superuser

    @admin.action(description=_("Send again (given-up tasks)"), permissions=["send_again"])
    def send_again(self, request, queryset):
        count = durable_retry(task_ids=queryset.values_list("pk", flat=True))
        self.message_user(
            request,
            ngettext("%(count)d task queued again.", "%(count)d tasks queued again.", count)
            % {"count": count},
            messages.SUCCESS,
        )


# Registered from their own module; importing it here is what puts them in the admin.
from o2o import admin_webhooks  # noqa: E402, F401
