"""HQ's reconciliation page (/staff/hq/reports/reconciliation/): the bills imported, the open
differences with a resolution note each, and importing a day's bill (downloaded or uploaded)."""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from backoffice.access import staff_required
from o2o.errors import DomainError
from reports.models import PaymentBill, PaymentDifference
from reports.services.reconciliation import bill_fetch, bill_import, difference_resolve
from reports.views import HQ, csv_stream
from reports.wechat_bill import MAX_BILL_BYTES, BillRejected

PAGE = "reports_backoffice:reconciliation"
LISTED = 200


def _bill_date(text) -> date | None:
    try:
        day = date.fromisoformat(str(text or "").strip()[:10])
    except ValueError:
        return None
    return day if day < timezone.localdate() + timedelta(days=1) else None


@staff_required(roles=HQ)
def reconciliation(request):
    show_resolved = request.GET.get("resolved") == "1"
    differences = PaymentDifference.objects.select_related("bill", "order", "resolved_by")
    if not show_resolved:
        differences = differences.filter(resolved_at__isnull=True)
    if request.GET.get("export") == "csv":
        return csv_stream(
            "payment-differences.csv",
            ["bill_date", "record", "reference", "wechat_id", "kind", "order", "our_fen",
             "wechat_fen", "resolution", "resolved_at"],
            (
                [d.bill.bill_date, d.record, d.reference, d.wechat_id, d.kind,
                 d.order.number if d.order else "", d.our_amount, d.wechat_amount,
                 d.resolution_note, d.resolved_at or ""]
                for d in differences.iterator(chunk_size=500)
            ),
        )  # fmt: skip
    return TemplateResponse(
        request,
        "reports/reconciliation.html",
        {
            "bills": PaymentBill.objects.all()[:31],
            "differences": list(differences[:LISTED]),
            "show_resolved": show_resolved,
            "yesterday": timezone.localdate() - timedelta(days=1),
        },
    )


@require_POST
@staff_required(roles=HQ)
def bill_fetch_view(request):
    day = _bill_date(request.POST.get("bill_date"))
    if day is None:
        messages.error(request, _("Pick a past day for the bill."))
        return redirect(PAGE)
    try:
        bill = bill_fetch(bill_date=day, actor=request.user)
    except (BillRejected, DomainError) as error:
        messages.error(request, str(error))
        return redirect(PAGE)
    messages.success(
        request,
        _("Bill of %(day)s: %(matched)s matched, %(differences)s differences.")
        % {"day": bill.bill_date, "matched": bill.matched, "differences": bill.differences},
    )
    return redirect(PAGE)


@require_POST
@staff_required(roles=HQ)
def bill_upload_view(request):
    day = _bill_date(request.POST.get("bill_date"))
    upload = request.FILES.get("bill")
    if day is None or upload is None:
        messages.error(request, _("Pick a past day and the bill file WeChat Pay gave you."))
        return redirect(PAGE)
    if upload.size > MAX_BILL_BYTES:
        messages.error(request, _("The bill file is larger than 64 MB."))
        return redirect(PAGE)
    try:
        bill = bill_import(
            bill_date=day,
            content=upload.read(),
            source=PaymentBill.Source.UPLOAD,
            actor=request.user,
        )
    except BillRejected as error:
        messages.error(request, _("The bill was not imported: %s") % error)
        return redirect(PAGE)
    messages.success(
        request,
        _("Bill of %(day)s: %(matched)s matched, %(differences)s differences.")
        % {"day": bill.bill_date, "matched": bill.matched, "differences": bill.differences},
    )
    return redirect(PAGE)


@require_POST
@staff_required(roles=HQ)
def difference_resolve_view(request, pk: int):
    difference = get_object_or_404(PaymentDifference, pk=pk)
    try:
        difference_resolve(
            difference=difference, note=request.POST.get("note", "")[:1000], actor=request.user
        )
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Difference resolved."))
    return redirect(PAGE)
