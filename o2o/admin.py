from django.contrib import admin

from o2o.models import Heartbeat


@admin.register(Heartbeat)
class HeartbeatAdmin(admin.ModelAdmin):
    list_display = ("source", "last_seen", "beats")
    readonly_fields = ("source", "last_seen", "beats")

    def has_add_permission(self, request):
        return False
