"""HQ admin of store events and their bookings (stores run theirs from the back office)."""

from __future__ import annotations

from django import forms
from django.contrib import admin

from o2o.admin_initial import QueryInitialMixin
from promotions.forms import event_start_clean
from promotions.models import EventBooking, StoreEvent


class BookingInline(admin.TabularInline):
    model = EventBooking
    extra = 0
    can_delete = False
    fields = ["member", "status", "checked_in_by", "created_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class StoreEventAdminForm(forms.ModelForm):
    """The admin builds the form's fields from the model (StoreEventAdmin)."""

    def clean_starts_at(self):
        # The instance still holds the saved start here (the form copies its data in after
        # cleaning): editing an event checks its start only when HQ changed it.
        previous = self.instance.starts_at if self.instance.pk else None
        return event_start_clean(self.cleaned_data["starts_at"], previous=previous)


@admin.register(StoreEvent)
class StoreEventAdmin(QueryInitialMixin, admin.ModelAdmin):
    form = StoreEventAdminForm
    list_display = ["title", "store", "starts_at", "capacity", "booked_count", "is_published"]
    list_filter = ["is_published", "store"]
    search_fields = ["title", "store__code", "store__name"]
    raw_id_fields = ["store"]
    readonly_fields = ["booked_count"]
    inlines = [BookingInline]
