"""Money in the admin: shown as ¥ with two decimals and typed in yuan, stored in fen (DESIGN §4).

One mechanism for every admin page with money: an admin (or inline) lists its money fields in
`MoneyAdminMixin.money_fields`. Editable ones become a `YuanField` (HQ types "129.50", the model
gets 12950); read-only ones, and list columns, show "¥129.50" through `money_display`, which is
also the display helper for money that is not a model field (`SKU.price`).

The models' verbose names end in "(fen)", the unit the API and the database use; on these pages
the unit is ¥, so the label drops it (`money_label`).
"""

from __future__ import annotations

import re
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from o2o.money import format_yuan, parse_yuan
from o2o.parsing import is_whole_number

# "base price (fen)" / "基础价（分）": the unit in parentheses at the end of a verbose name.
_FEN_UNIT = re.compile(r"\s*[(（]\s*(fen|分)\s*[)）]\s*$")


def _money_label(verbose_name) -> str:
    return _FEN_UNIT.sub("", str(verbose_name))


money_label = lazy(_money_label, str)


class YuanField(forms.Field):
    """An amount typed in yuan ("129.5", "¥129.50", "1,299"); cleaned to integer fen."""

    # Nothing sold or set in the admin costs more than ¥1,000,000,000 (and fen must fit a bigint).
    MAX_FEN = 100_000_000_000
    default_error_messages = {
        "invalid": _("Enter an amount in yuan with at most two decimals, e.g. 129.50."),
        "negative": _("Enter an amount of zero or more."),
        "too_large": _("This amount is too large."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal", "size": 12}))
        super().__init__(**kwargs)

    def prepare_value(self, value):
        # Values from the database are fen; what the user typed (a string) is shown back as is.
        if is_whole_number(value):
            return f"{Decimal(value) / 100:.2f}"
        return value

    def to_python(self, value):
        if value in self.empty_values:
            return None
        text = str(value).strip().lstrip("¥").replace(",", "").strip()
        try:
            fen = parse_yuan(text[:32])
        except (ValueError, ArithmeticError) as error:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from error
        if fen < 0:
            raise ValidationError(self.error_messages["negative"], code="negative")
        if fen > self.MAX_FEN:
            raise ValidationError(self.error_messages["too_large"], code="too_large")
        return fen

    def has_changed(self, initial, data):
        try:
            return self.to_python(data) != initial
        except ValidationError:
            return True


def money_display(attribute: str, label, *, ordering: str | None = None):
    """A read-only column or field showing `obj.<attribute>` (fen) as ¥ with two decimals."""

    def display(obj):
        value = getattr(obj, attribute)
        return None if value is None else format_yuan(value)

    display.__name__ = f"{attribute}_yuan"
    display.short_description = label
    display.admin_order_field = ordering
    return display


class MoneyAdminMixin:
    """Mix into a ModelAdmin or an inline and name its money fields in `money_fields`."""

    money_fields: tuple[str, ...] = ()

    # -- editable: typed in yuan -----------------------------------------------------------------

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name not in self.money_fields:
            return super().formfield_for_dbfield(db_field, request, **kwargs)
        return YuanField(
            label=money_label(db_field.verbose_name),
            required=not db_field.blank,
            help_text=db_field.help_text,
            initial=db_field.get_default() if db_field.has_default() else None,
        )

    # -- read-only and lists: shown as ¥ ---------------------------------------------------------

    def _money_column(self, name: str):
        columns = self.__dict__.setdefault("_money_columns", {})
        if name not in columns:
            field = self.model._meta.get_field(name)
            columns[name] = money_display(name, money_label(field.verbose_name), ordering=name)
        return columns[name]

    def _shown_read_only(self, request, obj) -> set[str]:
        """The money fields this request sees but cannot edit."""
        if not self.has_change_permission(request, obj):
            return set(self.money_fields)
        return set(self.money_fields) & set(super().get_readonly_fields(request, obj))

    def _swap(self, names, swapped: set[str]):
        return [self._money_column(n) if isinstance(n, str) and n in swapped else n for n in names]

    def get_list_display(self, request):
        return self._swap(super().get_list_display(request), set(self.money_fields))

    def get_readonly_fields(self, request, obj=None):
        return self._swap(super().get_readonly_fields(request, obj), set(self.money_fields))

    def get_exclude(self, request, obj=None):
        # A read-only money field is shown by its column, so the form must not hold it too.
        exclude = super().get_exclude(request, obj)
        read_only = set(self.money_fields) & set(super().get_readonly_fields(request, obj))
        if not read_only:
            return exclude
        return [*(exclude or ()), *sorted(read_only)]

    def get_fields(self, request, obj=None):
        return self._swap(super().get_fields(request, obj), self._shown_read_only(request, obj))

    def get_fieldsets(self, request, obj=None):
        swapped = self._shown_read_only(request, obj)
        return [
            (name, {**options, "fields": self._swap_nested(options["fields"], swapped)})
            for name, options in super().get_fieldsets(request, obj)
        ]

    def _swap_nested(self, fields, swapped: set[str]):
        # A fieldset line may be a tuple of fields shown side by side.
        return [
            tuple(self._swap(field, swapped))
            if isinstance(field, (list, tuple))
            else self._swap([field], swapped)[0]
            for field in fields
        ]
