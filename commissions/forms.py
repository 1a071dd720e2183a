from django import forms
from django.utils.translation import gettext_lazy as _


class WithdrawalRequestForm(forms.Form):
    real_name = forms.CharField(
        label=_("Your real name"),
        max_length=32,
        required=False,
        help_text=_("Needed by WeChat for ¥2,000.00 or more."),
    )
