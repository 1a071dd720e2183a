"""Shopper input for the cart and checkout; checking shape only — the services decide the rest."""

from datetime import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from orders.models import Order
from orders.services.booking_rules import BookingRefused
from orders.services.cart import MAX_LINE_QUANTITY

F = Order.Fulfillment
# Delivery (网订店送) is routed by dispatch and comes with the next issue.
CHECKOUT_FULFILLMENTS = [
    (F.PICKUP, _("Pick up in store")),
    (F.TRY_IN_STORE, _("Try in store")),
    (F.SHIP, _("Ship to me")),
]


class CartAddForm(forms.Form):
    sku = forms.CharField(max_length=64)
    # Required: a form that lost its quantity is not "one" (the product page always sends it).
    quantity = forms.IntegerField(min_value=1, max_value=MAX_LINE_QUANTITY)


class CartLineForm(forms.Form):
    """A line's new quantity; 0 removes the line."""

    quantity = forms.IntegerField(min_value=0, max_value=MAX_LINE_QUANTITY)


class BuyNowForm(forms.Form):
    sku = forms.CharField(max_length=64)


class CheckoutForm(forms.Form):
    fulfillment = forms.ChoiceField(
        label=_("How do you want it?"), choices=CHECKOUT_FULFILLMENTS, widget=forms.RadioSelect
    )
    store = forms.IntegerField(label=_("Store"))
    appointment = forms.CharField(label=_("Time to try"), required=False, max_length=32)
    name = forms.CharField(label=_("Recipient"), required=False, max_length=40)
    phone = forms.CharField(label=_("Phone"), required=False, max_length=20)
    address = forms.CharField(label=_("Address"), required=False, max_length=200)
    note = forms.CharField(
        label=_("Note to the store"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": _("Optional")}),
    )
    points = forms.IntegerField(label=_("Points to use"), required=False, min_value=0)
    # A coupon's serial code, chosen from the coupons the promotions fragment lists.
    coupon = forms.CharField(label=_("Coupon"), required=False, max_length=32)

    def clean_appointment(self):
        value = self.cleaned_data["appointment"].strip()
        if not value:
            return None
        try:
            moment = datetime.fromisoformat(value)
        except ValueError as error:
            raise forms.ValidationError(_("Choose a time from the list.")) from error
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        return moment

    def clean(self):
        data = super().clean()
        kind = data.get("fulfillment")
        if kind == F.TRY_IN_STORE and not data.get("appointment"):
            self.add_error("appointment", _("Choose a date and time to try."))
        if kind == F.SHIP:
            for field in ("name", "phone", "address"):
                if not (data.get(field) or "").strip():
                    self.add_error(field, _("Needed for a parcel."))
        return data

    def add_booking_refusal(self, error: BookingRefused) -> None:
        """Say in the shopper's language why the booking was refused, next to what to change."""
        R, params = BookingRefused, error.params
        if error.code == R.PAST:
            self.add_error("appointment", _("That time has passed. Choose another time."))
        elif error.code == R.BEYOND_HORIZON:
            days = params["days"]
            self.add_error(
                "appointment",
                ngettext(
                    "Bookings are taken at most %(days)d day ahead (today included).",
                    "Bookings are taken at most %(days)d days ahead (today included).",
                    days,
                )
                % {"days": days},
            )
        elif error.code == R.STORE_CLOSED:
            self.add_error("appointment", _("The store is closed at that time."))
        elif error.code == R.NOT_OFFERED:
            self.add_error("appointment", _("Choose one of the times the store offers."))
        elif error.code == R.MEMBER_LIMIT:
            limit = params["limit"]
            self.add_error(
                None,
                ngettext(
                    "You already have %(limit)d open booking, the most allowed. Visit the "
                    "store or cancel it in My orders before booking again.",
                    "You already have %(limit)d open bookings, the most allowed. Visit a "
                    "store or cancel one in My orders before booking again.",
                    limit,
                )
                % {"limit": limit},
            )
        elif error.code == R.STORE_LIMIT:
            limit = params["limit"]
            self.add_error(
                None,
                ngettext(
                    "You already have %(limit)d open booking at this store, the most allowed. "
                    "Visit it or cancel it in My orders, or choose another store.",
                    "You already have %(limit)d open bookings at this store, the most allowed. "
                    "Visit it or cancel one in My orders, or choose another store.",
                    limit,
                )
                % {"limit": limit},
            )
        else:
            self.add_error(None, _("This booking cannot be made."))

    def order_arguments(self) -> dict:
        """What order_place needs from this form (the store is resolved by the view)."""
        data = self.cleaned_data
        kind = data["fulfillment"]
        fields = {"fulfillment": kind, "note": data.get("note") or ""}
        if kind == F.TRY_IN_STORE:
            fields["appointment_at"] = data["appointment"]
        else:
            fields["points_to_use"] = data.get("points") or 0
            fields["coupon_code"] = (data.get("coupon") or "").strip()
        if kind == F.SHIP:
            fields["address"] = {
                "name": data["name"].strip(),
                "phone": data["phone"].strip(),
                "address": data["address"].strip(),
            }
        return fields
