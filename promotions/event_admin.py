"""HQ admin of store events and their bookings (stores run theirs from the back office)."""

from __future__ import annotations

from django.contrib import admin

from promotions.models import EventBooking, StoreEvent


class BookingInline(admin.TabularInline):
    model = EventBooking
    extra = 0
    can_delete = False
    fields = ["member", "status", "checked_in_by", "created_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(StoreEvent)
class StoreEventAdmin(admin.ModelAdmin):
    list_display = ["title", "store", "starts_at", "capacity", "booked_count", "is_published"]
    list_filter = ["is_published", "store"]
    search_fields = ["title", "store__code", "store__name"]
    autocomplete_fields = ["store"]
    readonly_fields = ["booked_count"]
    inlines = [BookingInline]
