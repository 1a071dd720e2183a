"""Forms of the store back office; they parse input, the services decide."""

from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members.models import FollowUpTask
from o2o.admin_money import YuanField


class PickupVerifyForm(forms.Form):
    """One field for both ways in: the scanned order QR (a signed token) or the typed code."""

    code = forms.CharField(
        label=_("Pickup code or scanned QR"),
        max_length=500,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "inputmode": "numeric",
                "placeholder": "123456",
                "autofocus": True,
            }
        ),
    )

    def cleaned_token_and_code(self) -> tuple[str, str]:
        text = self.cleaned_data["code"].strip()
        if len(text) == 6 and text.isdigit():
            return "", text
        return text, ""


class LineQuantitiesForm(forms.Form):
    """A number per order line (`line-<id>`), between 0 and what the line allows; `start` is
    the number shown before anything is typed (0 unless given)."""

    def __init__(self, *args, lines, limit, start=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.lines = list(lines)
        for line in self.lines:
            most = limit(line)
            self.fields[f"line-{line.pk}"] = forms.IntegerField(
                label=str(line),
                min_value=0,
                max_value=most,
                initial=min(start(line), most) if start else 0,
                required=False,
                widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 0, "max": most}),
            )

    def quantities(self) -> dict[int, int]:
        return {
            line.pk: self.cleaned_data.get(f"line-{line.pk}") or 0
            for line in self.lines
            if f"line-{line.pk}" in self.fields
        }

    def rows(self):
        """(line, bound field) pairs for the template."""
        return [(line, self[f"line-{line.pk}"]) for line in self.lines]


class VisitForm(LineQuantitiesForm):
    """网订店试 visit: how many units of each booked line the shopper keeps.

    It starts at everything booked: the big button then sells what she came for, and keeping
    nothing (which closes the booking) has to be typed and confirmed (`confirm_nothing`).
    """

    confirm_nothing = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, lines, **kwargs):
        super().__init__(
            *args,
            lines=lines,
            limit=lambda line: line.quantity,
            start=lambda line: line.quantity,
            **kwargs,
        )

    def keeps_nothing_unconfirmed(self) -> bool:
        return not any(self.quantities().values()) and not self.cleaned_data["confirm_nothing"]


class RefundForm(LineQuantitiesForm):
    """A refund of some units per line, or everything still refundable (`full`).

    Posted twice: first to see what will be refunded, then again from that page with
    `confirm` and the total it showed (`expected_total`, fen), which is when the money moves.
    """

    full = forms.BooleanField(label=_("Refund everything still refundable"), required=False)
    reason = forms.CharField(label=_("Reason"), max_length=200)
    damaged = forms.BooleanField(
        label=_("Damaged: write the goods off instead of putting them back on sale"),
        required=False,
    )
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)
    expected_total = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)

    def __init__(self, *args, lines, **kwargs):
        super().__init__(
            *args,
            lines=[line for line in lines if line.quantity > line.refunded_quantity],
            limit=lambda line: line.quantity - line.refunded_quantity,
            **kwargs,
        )

    def confirmation_fields(self, *, total: int) -> list[tuple[str, object]]:
        """The hidden fields of the confirmation page: this refund again, confirmed."""
        data = self.cleaned_data
        fields = [(f"line-{pk}", quantity) for pk, quantity in self.quantities().items()]
        fields += [("full", "on")] if data["full"] else []
        fields += [("damaged", "on")] if data["damaged"] else []
        return [*fields, ("reason", data["reason"]), ("confirm", "on"), ("expected_total", total)]

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("full") and not any(self.quantities().values()):
            raise forms.ValidationError(
                _("Enter the quantities to refund, or tick “Refund everything”.")
            )
        return cleaned


class AssistSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Product name, code or barcode"),
        max_length=64,
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )


class AssistLineForm(forms.Form):
    sku = forms.IntegerField(widget=forms.HiddenInput)
    quantity = forms.IntegerField(
        label=_("Quantity"),
        min_value=0,
        max_value=99,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 0, "max": 99}),
    )


class AssistCartForm(forms.Form):
    note = forms.CharField(
        label=_("Note (for example the customer's name)"), max_length=200, required=False
    )


class MemberLookupForm(forms.Form):
    """What the counter scanned or typed: a card QR token, a member code or a phone number."""

    code = forms.CharField(
        label=_("Member card, member code or phone"),
        max_length=200,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "placeholder": _("Scan the card or type M123456789 / phone"),
            }
        ),
    )

    def clean_code(self):
        return self.cleaned_data["code"].strip()


class FollowUpOutcomeForm(forms.Form):
    outcome = forms.ChoiceField(
        choices=FollowUpTask.Outcome.choices,
        widget=forms.RadioSelect,
        label=_("Outcome"),
    )
    note = forms.CharField(max_length=200, required=False, label=_("Note"))


class GiftCodeForm(forms.Form):
    code = forms.RegexField(
        regex=r"^\s*\d{6}\s*$",
        label=_("Pickup code"),
        error_messages={"invalid": _("The code has 6 digits.")},
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "off", "autofocus": True}
        ),
    )


class ScanForm(forms.Form):
    """What the desk scanner read, or the clerk typed; the server decides what it is."""

    text = forms.CharField(
        label=_("Or type a pickup code, member code, phone or item code"),
        max_length=500,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "off", "spellcheck": "false"}
        ),
    )
    cart = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)


class CustomerSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Name, phone or member code"),
        max_length=64,
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )


class FollowUpNoteForm(forms.Form):
    """A follow-up the clerk writes on a member's page: a reminder, or a contact just made."""

    FOLLOW_UP_DAYS_AHEAD = 365

    note = forms.CharField(
        label=_("What about"),
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    outcome = forms.ChoiceField(
        label=_("Already in touch?"),
        choices=[("", _("Not yet: remind me"))] + list(FollowUpTask.Outcome.choices),
        required=False,
    )
    due_date = forms.DateField(
        label=_("Remind me on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def clean(self):
        cleaned = super().clean()
        today = timezone.localdate()
        due = cleaned.get("due_date")
        if cleaned.get("outcome"):
            cleaned["due_date"] = today
        elif due is None:
            cleaned["due_date"] = today
        elif not (today <= due <= today + timedelta(days=self.FOLLOW_UP_DAYS_AHEAD)):
            self.add_error("due_date", _("Choose a day from today to a year ahead."))
        return cleaned


class CouponRedeemForm(forms.Form):
    """A coupon used on a sale at the till: the code (scanned or typed) and the sale amount."""

    code = forms.CharField(label=_("Coupon code"), max_length=32)
    sale_amount = YuanField(label=_("Sale amount (yuan)"))
    # Made when the page is drawn: a double tap or a resent form redeems once.
    reference = forms.CharField(max_length=64, widget=forms.HiddenInput)

    def clean_sale_amount(self):
        amount = self.cleaned_data["sale_amount"]
        if not amount or amount <= 0:
            raise forms.ValidationError(_("Enter the sale amount."))
        return amount


class CouponGiveForm(forms.Form):
    """A clerk hands a coupon to a customer from her desk."""

    member_code = forms.CharField(max_length=16)
    coupon_template = forms.IntegerField(min_value=1, max_value=2**31 - 1)


class StoreCouponForm(forms.Form):
    """A manager's own store coupon: amount off above a minimum spend, for some days."""

    name = forms.CharField(label=_("Name"), max_length=60)
    amount_off = YuanField(label=_("Amount off (yuan)"))
    min_spend = YuanField(label=_("Minimum spend (yuan)"))
    valid_days = forms.IntegerField(label=_("Valid days after issue"), min_value=1, max_value=366)
    total_limit = forms.IntegerField(
        label=_("How many to issue"), min_value=1, max_value=1_000_000, required=False
    )
    channel = forms.ChoiceField(
        label=_("Where it can be used"),
        choices=[("in_store", _("In store")), ("both", _("Online and in store"))],
    )

    def clean(self):
        data = super().clean()
        amount, minimum = data.get("amount_off"), data.get("min_spend")
        if amount is not None and amount <= 0:
            self.add_error("amount_off", _("Enter an amount above zero."))
        elif amount and minimum and amount >= minimum:
            self.add_error("amount_off", _("The amount off must be below the minimum spend."))
        return data
