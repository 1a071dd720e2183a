"""Forms of the stock room: look up an item, ask another store for it, count what arrived."""

from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from inventory.services.transfers import MAX_COUNTED_UNITS

# A transfer between two stores of a city takes a day or two; a date further out is a typo.
LATEST_ARRIVAL_DAYS = 30
MAX_TRANSFER_UNITS = 99
# Ids beyond the database's integer range are not ids; refused before any query.
MAX_ID = 2**31 - 1  # the id columns are integers


class StockSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Product name, code or barcode"),
        max_length=64,
        required=False,
        widget=forms.TextInput(
            attrs={"type": "search", "autocomplete": "off", "enterkeyhint": "search"}
        ),
    )


def default_arrival():
    return timezone.localdate() + timedelta(days=1)


class TransferRequestForm(forms.Form):
    """调货: this many units of one SKU from another store, for a customer, expected on a date."""

    sku = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=MAX_ID)
    from_store = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=MAX_ID)
    quantity = forms.IntegerField(
        label=_("Quantity"),
        min_value=1,
        max_value=MAX_TRANSFER_UNITS,
        initial=1,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 1}),
    )
    expected_on = forms.DateField(
        label=_("Expected arrival"),
        initial=default_arrival,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    customer_reference = forms.CharField(
        label=_("For customer (member code, phone or order number)"),
        max_length=64,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    note = forms.CharField(label=_("Note for the other store"), max_length=200, required=False)

    def clean_expected_on(self):
        day = self.cleaned_data["expected_on"]
        today = timezone.localdate()
        if day < today:
            raise forms.ValidationError(_("The expected arrival cannot be in the past."))
        if day > today + timedelta(days=LATEST_ARRIVAL_DAYS):
            raise forms.ValidationError(
                _("Choose a date within %(days)s days.") % {"days": LATEST_ARRIVAL_DAYS}
            )
        return day


class TransferReceiveForm(forms.Form):
    """What the receiving store counted, per line (`line-<sku id>`), starting from what was
    shipped; a difference is recorded on the transfer."""

    note = forms.CharField(
        label=_("Note (for example what was missing or damaged)"), max_length=200, required=False
    )

    def __init__(self, *args, lines, **kwargs):
        super().__init__(*args, **kwargs)
        self.lines = list(lines)
        for line in self.lines:
            self.fields[f"line-{line.sku_id}"] = forms.IntegerField(
                label=str(line.sku),
                min_value=0,
                max_value=MAX_COUNTED_UNITS,
                initial=line.quantity,
                widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 0}),
            )
        self.order_fields([f"line-{line.sku_id}" for line in self.lines] + ["note"])

    def counts(self) -> dict[int, int]:
        return {line.sku_id: self.cleaned_data[f"line-{line.sku_id}"] for line in self.lines}

    def rows(self):
        """(line, bound field) pairs for the template."""
        return [(line, self[f"line-{line.sku_id}"]) for line in self.lines]


class TransferCancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=150, required=False)
