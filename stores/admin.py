from django.contrib import admin
from django.db.models import Count
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from o2o.geo import amap_marker_url
from stores.models import Region, Staff, Store


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "store_count")
    search_fields = ("code", "name")

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(number_of_stores=Count("stores"))

    @admin.display(description=_("stores"), ordering="number_of_stores")
    def store_count(self, region):
        return region.number_of_stores


class StaffInline(admin.TabularInline):
    model = Staff
    fields = ("staff_code", "display_name", "role", "user", "phone", "is_active")
    raw_id_fields = ("user",)
    extra = 0
    show_change_link = True


@admin.register(Store)
class StoreAdmin(admin.ModelAdmin):
    list_display = (
        "code",
        "name",
        "kind",
        "city",
        "district",
        "is_active",
        "delivers",
        "delivery_radius_km",
    )
    list_filter = ("kind", "region", "city", "is_active", "delivers")
    search_fields = ("code", "name", "address", "phone")
    list_select_related = ("region",)
    readonly_fields = ("map", "created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("code", "name", "kind", "region", "is_active")}),
        (
            _("Location"),
            {"fields": ("city", "district", "address", "latitude", "longitude", "map")},
        ),
        (_("Contact and hours"), {"fields": ("phone", "manager_email", "opening_hours")}),
        (_("Delivery"), {"fields": ("delivers", "delivery_radius_km")}),
        (_("Record"), {"fields": ("created_at", "updated_at")}),
    )
    inlines = [StaffInline]

    @admin.display(description=_("map"))
    def map(self, store):
        if store.latitude is None or store.longitude is None:
            return "—"
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">{}, {} ↗</a>',
            amap_marker_url(store.latitude, store.longitude, store.name),
            store.latitude,
            store.longitude,
        )


@admin.register(Staff)
class StaffAdmin(admin.ModelAdmin):
    list_display = ("staff_code", "photo_thumbnail", "display_name", "store", "role", "is_active")
    list_display_links = ("staff_code", "display_name")
    # "Staff by store": filter by region or store; the default ordering groups rows by store.
    list_filter = ("role", "is_active", "store__region", "store")
    search_fields = ("staff_code", "display_name", "phone", "user__username", "store__name")
    ordering = ("store__code", "role", "staff_code")
    list_select_related = ("store",)
    raw_id_fields = ("user",)
    readonly_fields = ("photo_preview",)
    # members adds "Deactivate (members go to the store manager)": see members/admin.py.
    actions = []
    fields = (
        "user",
        "store",
        "role",
        "staff_code",
        "display_name",
        "phone",
        "photo",
        "photo_preview",
        "is_active",
        "joined_at",
    )

    def get_readonly_fields(self, request, obj=None):
        # Leaving is an action, not a checkbox: the clerk's members must go to the manager.
        if obj is not None and obj.is_active:
            return (*self.readonly_fields, "is_active")
        return self.readonly_fields

    @admin.display(description=_("photo"))
    def photo_thumbnail(self, staff):
        return self._photo(staff, 32)

    @admin.display(description=_("photo preview"))
    def photo_preview(self, staff):
        return self._photo(staff, 160)

    @staticmethod
    def _photo(staff, size):
        if not staff.photo:
            return "—"
        return format_html(
            '<img src="{}" alt="" width="{}" height="{}" style="object-fit:cover">',
            staff.photo.url,
            size,
            size,
        )
