"""How a refused stock change reads in HQ's admin pages (stock levels and transfers)."""

from django.utils.translation import gettext_lazy as _

from o2o.errors import DomainError


def stock_error_text(error: DomainError) -> str:
    """The error, with the short lines of an InsufficientStock spelled out."""
    shortages = getattr(error, "shortages", None) or []
    details = "; ".join(
        _("%(store)s/%(sku)s: %(available)s available, %(requested)s needed") % shortage
        for shortage in shortages
    )
    return f"{error} ({details})" if details else str(error)
