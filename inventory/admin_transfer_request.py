"""HQ asks for a transfer in the admin: the same `transfer_request` the stores' back office uses,
so the units are held at the source at once (a bare transfer row made by the standard add form
would hold nothing, which is why that form stays off)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from inventory.admin_messages import stock_error_text
from inventory.models import Transfer
from inventory.services import sku_resolve, transfer_request
from o2o.errors import DomainError
from o2o.parsing import whole_number
from stores.models import Store

MAX_LINES = 50


class TransferRequestAdminForm(forms.Form):
    from_store = forms.ModelChoiceField(
        queryset=Store.objects.filter(is_active=True).order_by("code"), label=_("From store")
    )
    to_store = forms.ModelChoiceField(
        queryset=Store.objects.filter(is_active=True).order_by("code"), label=_("To store")
    )
    lines = forms.CharField(
        label=_("Lines"),
        widget=forms.Textarea(attrs={"rows": 5, "placeholder": "dress-m 2\nscarf-red 1"}),
        help_text=_("One line per SKU: the SKU code, a space, the number of units."),
    )
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[
            (Transfer.Kind.MANUAL, Transfer.Kind.MANUAL.label),
            (Transfer.Kind.REBALANCE, Transfer.Kind.REBALANCE.label),
            (Transfer.Kind.REPLENISHMENT, Transfer.Kind.REPLENISHMENT.label),
        ],
    )
    expected_on = forms.DateField(
        label=_("Expected arrival"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    customer_reference = forms.CharField(
        label=_("For customer (member code, phone or order number)"),
        max_length=64,
        required=False,
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def clean_lines(self) -> list[tuple[str, int]]:
        parsed = []
        for number, raw in enumerate(self.cleaned_data["lines"].splitlines(), start=1):
            parts = raw.replace(",", " ").split()
            if not parts:
                continue
            units = whole_number(parts[1], minimum=1) if len(parts) == 2 else None
            if units is None:
                raise forms.ValidationError(
                    _("Line %(number)s: write the SKU code and a number of units above zero.")
                    % {"number": number}
                )
            parsed.append((parts[0], units))
        if not parsed:
            raise forms.ValidationError(_("Enter at least one line."))
        if len(parsed) > MAX_LINES:
            raise forms.ValidationError(
                _("At most %(count)s lines per transfer.") % {"count": MAX_LINES}
            )
        return parsed

    def clean_expected_on(self):
        day = self.cleaned_data["expected_on"]
        if day is not None and day < timezone.localdate():
            raise forms.ValidationError(_("The expected arrival cannot be in the past."))
        return day

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("from_store") and cleaned.get("from_store") == cleaned.get("to_store"):
            raise forms.ValidationError(_("A transfer needs two different stores."))
        return cleaned


def transfer_request_view(model_admin, request):
    """The admin page: the form, then `transfer_request` under the admin user's name."""
    if not request.user.has_perm("inventory.change_transfer"):
        raise PermissionDenied
    form = TransferRequestAdminForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            lines = [(sku_resolve(code).pk, quantity) for code, quantity in data["lines"]]
            transfer = transfer_request(
                from_store=data["from_store"],
                to_store=data["to_store"],
                lines=lines,
                actor=request.user,
                kind=data["kind"],
                note=data["note"],
                expected_on=data["expected_on"],
                customer_reference=data["customer_reference"],
            )
        except DomainError as error:
            form.add_error(None, stock_error_text(error))
        else:
            model_admin.message_user(
                request,
                _("%(transfer)s requested; its units are held at %(store)s.")
                % {"transfer": f"T{transfer.pk}", "store": data["from_store"].code},
                messages.SUCCESS,
            )
            return HttpResponseRedirect(
                reverse("admin:inventory_transfer_change", args=[transfer.pk])
            )
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": _("Request a transfer"),
        "form": form,
    }
    return render(request, "admin/inventory/transfer_request.html", context)
