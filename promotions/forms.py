"""Shopper input of promotions pages; checking shape only — the services decide the rest."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from members.forms import PhoneField
from orders.models import Order
from promotions.exceptions import InvalidEventStart
from promotions.services.events import event_start_check

F = Order.Fulfillment


class FlashGrabForm(forms.Form):
    """The grab (抢) of one unit: the store to collect from, one of the sale's; pickup there, or
    a parcel, which needs a recipient, her mobile number and the address to ship to."""

    store = forms.TypedChoiceField(
        coerce=int,
        error_messages={
            "required": _("Choose the store to collect from."),
            "invalid_choice": _("Choose the store to collect from."),
        },
    )
    fulfillment = forms.ChoiceField(
        choices=[(F.PICKUP, _("Pick up at the store")), (F.SHIP, _("Ship to me"))],
        error_messages={
            "required": _("Choose pickup or delivery by parcel."),
            "invalid_choice": _("Choose pickup or delivery by parcel."),
        },
    )
    name = forms.CharField(label=_("Recipient"), required=False, max_length=40)
    phone = PhoneField(label=_("Phone"), required=False)
    address = forms.CharField(
        label=_("Address"),
        required=False,
        max_length=200,
        error_messages={"max_length": _("Enter the address to ship to (up to 200 characters).")},
    )

    def __init__(self, *args, stores, ships: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["store"].choices = [(store.pk, store.name) for store in stores]
        self.ships = ships  # a sale without a shipping fee is collected in store only

    def clean(self):
        data = super().clean()
        if data.get("fulfillment") == F.SHIP and not self.ships:
            self.add_error("fulfillment", _("This flash sale is collected in store only."))
        elif data.get("fulfillment") == F.SHIP:
            for field in ("name", "phone", "address"):
                if field not in self.errors and not data.get(field):
                    self.add_error(field, _("Needed for a parcel."))
        return data

    def address_dict(self) -> dict | None:
        """The order's address: a parcel's recipient, phone and address; none for pickup."""
        data = self.cleaned_data
        if data["fulfillment"] != F.SHIP:
            return None
        return {"name": data["name"], "phone": data["phone"], "address": data["address"]}


def event_start_clean(starts_at, *, previous=None):
    """`event_start_check` as a form field's error: the back-office event form and HQ's admin
    form both clean the start with it."""
    try:
        event_start_check(starts_at, previous=previous)
    except InvalidEventStart as error:
        raise forms.ValidationError(str(error), code=error.code) from error
    return starts_at
