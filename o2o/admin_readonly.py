"""Admin pages for records that are looked at, never edited or deleted from the admin."""


class ReadOnlyAdminMixin:
    """Ledgers, logs and numbers that only services change (mix into a ModelAdmin or an inline)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
