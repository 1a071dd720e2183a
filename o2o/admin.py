from django.contrib import admin

from o2o.models import Heartbeat, IdempotencyRecord


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
