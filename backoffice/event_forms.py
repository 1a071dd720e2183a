"""The store manager's form for a new store event (promotions checks it again)."""

from datetime import timedelta

from django import forms
from django.utils.translation import gettext_lazy as _

from promotions.forms import event_start_clean


class StoreEventForm(forms.Form):
    title = forms.CharField(label=_("title"), max_length=80)
    description = forms.CharField(
        label=_("description"), max_length=2000, required=False, widget=forms.Textarea({"rows": 3})
    )
    starts_at = forms.DateTimeField(
        label=_("starts at"),
        input_formats=["%Y-%m-%dT%H:%M"],
        widget=forms.DateTimeInput({"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    minutes = forms.IntegerField(label=_("minutes"), min_value=10, max_value=24 * 60, initial=60)
    capacity = forms.IntegerField(label=_("capacity"), min_value=1, max_value=1000, initial=20)
    cancel_cutoff_hours = forms.IntegerField(
        label=_("cancel up to (hours before)"), min_value=0, max_value=72, initial=2
    )

    def clean_starts_at(self):
        return event_start_clean(self.cleaned_data["starts_at"])

    def ends_at(self):
        return self.cleaned_data["starts_at"] + timedelta(minutes=self.cleaned_data["minutes"])
