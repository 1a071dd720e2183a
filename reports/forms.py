"""HQ's report filters: checked, bounded, never a 500 on whatever the query string says."""

from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reports.selectors import ReportFilter
from stores.models import Store

DEFAULT_DAYS = 30
# A report or an export covers at most two years.
MAX_DAYS = 731


class ReportFilterForm(forms.Form):
    first_day = forms.DateField(label=_("From"), required=False)
    last_day = forms.DateField(label=_("To"), required=False)
    region = forms.IntegerField(label=_("Region"), required=False, min_value=1)
    store = forms.IntegerField(label=_("Store"), required=False, min_value=1)
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds")), *Store.Kind.choices]
    )

    def clean(self):
        cleaned = super().clean()
        today = timezone.localdate()
        last = cleaned.get("last_day") or today
        first = cleaned.get("first_day") or last - timedelta(days=DEFAULT_DAYS - 1)
        if first > last:
            raise forms.ValidationError(_("The first day is after the last day."))
        if (last - first).days >= MAX_DAYS:
            raise forms.ValidationError(_("A report covers at most two years."))
        cleaned["first_day"], cleaned["last_day"] = first, last
        return cleaned

    def report_filter(self) -> ReportFilter:
        data = self.cleaned_data
        return ReportFilter(
            first_day=data["first_day"],
            last_day=data["last_day"],
            region_id=data.get("region"),
            store_id=data.get("store"),
            store_kind=data.get("kind") or "",
        )


def report_filter_from(query) -> tuple[ReportFilterForm, ReportFilter]:
    """The form (with its errors) and the filter to show: the default range when invalid."""
    form = ReportFilterForm(query)
    if form.is_valid():
        return form, form.report_filter()
    today = timezone.localdate()
    return form, ReportFilter(first_day=today - timedelta(days=DEFAULT_DAYS - 1), last_day=today)
