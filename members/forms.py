"""Forms of the member pages: phone login."""

from django import forms
from django.utils.translation import gettext_lazy as _

from members.exceptions import InvalidPhone
from members.services.accounts import phone_normalize

PHONE_ERROR = _("Enter a mainland China mobile number, such as 13812345678.")


class PhoneField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault(
            "widget",
            forms.TextInput(
                attrs={
                    "type": "tel",
                    "inputmode": "numeric",
                    "autocomplete": "tel-national",
                    "placeholder": _("11-digit mobile number"),
                }
            ),
        )
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        if value in self.empty_values:
            return value  # left empty where the field is optional
        try:
            return phone_normalize(value)
        except InvalidPhone as error:
            raise forms.ValidationError(PHONE_ERROR, code="invalid_phone") from error


class PhoneForm(forms.Form):
    phone = PhoneField(label=_("Mobile number"))


class CodeForm(forms.Form):
    phone = PhoneField(label=_("Mobile number"), widget=forms.HiddenInput)
    code = forms.RegexField(
        label=_("Code"),
        regex=r"^\s*\d{6}\s*$",
        error_messages={"invalid": _("The code has 6 digits.")},
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
                "maxlength": "6",
                "placeholder": "••••••",
            }
        ),
    )

    def clean_code(self):
        return self.cleaned_data["code"].strip()


class AddressForm(forms.Form):
    """A saved delivery address as she types it. The map point comes from the page's locate
    button (`lat`/`lng`, read by the view); members.services.addresses checks the whole again."""

    label = forms.CharField(label=_("Label"), required=False, max_length=20)
    name = forms.CharField(label=_("Recipient"), max_length=40)
    phone = PhoneField(label=_("Phone"))
    address = forms.CharField(label=_("Address"), max_length=200)
    is_default = forms.BooleanField(required=False)
