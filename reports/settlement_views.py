"""Franchise statements: HQ prepares, issues and settles them (/staff/hq/reports/settlements/);
the store's manager reads her store's issued statements (/staff/statements/), prints them and
exports them with the orders behind them (CSV and PDF)."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from backoffice.access import MANAGERS_AND_HQ, staff_required
from o2o.errors import DomainError
from o2o.parsing import whole_number
from reports.models import SettlementStatement
from reports.services.settlement import (
    month_start,
    settled_orders,
    settled_refunds,
    statement_issue,
    statement_transition,
    statements_prepare,
)
from reports.statement_pdf import statement_pdf
from reports.views import HQ, csv_stream

HQ_PAGE = "reports_backoffice:settlements"
State = SettlementStatement.State


def _month(text) -> date | None:
    try:
        return date.fromisoformat(f"{str(text or '').strip()[:7]}-01")
    except ValueError:
        return None


def _lines(statement: SettlementStatement) -> list[dict]:
    """The orders and refunds behind a statement, each with the part it plays."""
    store_id = statement.store_id
    rows = []
    orders = settled_orders(statement.store, statement.month).select_related(
        "credited_store", "fulfilling_store"
    )
    for order in orders.order_by("paid_at", "id"):
        if order.credited_store_id == store_id:
            part = (
                _("Credited, fulfilled by another store")
                if order.fulfilling_store_id and order.fulfilling_store_id != store_id
                else _("Credited")
            )
        else:
            part = _("Fulfilled for another store")
        rows.append({"kind": "order", "record": order, "part": part, "amount": order.total_amount})
    refunds = settled_refunds(statement.store, statement.month).select_related("order")
    for refund in refunds.order_by("completed_at", "id"):
        rows.append(
            {"kind": "refund", "record": refund, "part": _("Refund"), "amount": -refund.amount}
        )
    return rows


@staff_required(roles=HQ)
def settlements(request):
    month = _month(request.GET.get("month")) or month_start(timezone.localdate())
    statements = SettlementStatement.objects.filter(month=month).select_related("store")
    return TemplateResponse(
        request,
        "reports/settlements.html",
        {"month": month, "statements": list(statements.order_by("store__code"))},
    )


@require_POST
@staff_required(roles=HQ)
def settlements_prepare_view(request):
    month = _month(request.POST.get("month"))
    if month is None:
        messages.error(request, _("Pick a month."))
        return redirect(HQ_PAGE)
    try:
        prepared = statements_prepare(month=month, actor=request.user)
    except DomainError as error:
        messages.error(request, str(error))
        return redirect(HQ_PAGE)
    messages.success(
        request,
        ngettext("%(n)s statement prepared.", "%(n)s statements prepared.", len(prepared))
        % {"n": len(prepared)},
    )
    return redirect(f"{reverse(HQ_PAGE)}?month={month:%Y-%m}")


@require_POST
@staff_required(roles=HQ)
def statement_move_view(request, pk: int):
    statement = get_object_or_404(SettlementStatement, pk=pk)
    target = request.POST.get("to")
    try:
        if target == State.CONFIRMED:
            statement = statement_issue(statement=statement, actor=request.user)
        elif target == State.PAID:
            statement = statement_transition(
                statement=statement,
                to_state=State.PAID,
                actor=request.user,
                note=request.POST.get("note", "")[:300],
            )
        else:
            messages.error(request, _("Choose what to do with the statement."))
            return redirect(HQ_PAGE)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("%(store)s %(month)s: %(state)s.")
            % {
                "store": statement.store.code,
                "month": f"{statement.month:%Y-%m}",
                "state": statement.get_state_display(),
            },
        )
    return redirect(f"{reverse(HQ_PAGE)}?month={statement.month:%Y-%m}")


def _store_statement(request, pk: int) -> SettlementStatement:
    """A statement of the desk's store that has been issued (drafts are HQ's working copies)."""
    statement = (
        SettlementStatement.objects.select_related("store")
        .filter(pk=whole_number(pk, minimum=1) or 0, store=request.staff.store)
        .exclude(state=State.DRAFT)
        .first()
    )
    if statement is None:
        raise Http404(_("No such statement."))
    return statement


@staff_required(roles=MANAGERS_AND_HQ)
def store_statements(request):
    statements = (
        SettlementStatement.objects.filter(store=request.staff.store)
        .exclude(state=State.DRAFT)
        .order_by("-month")[:36]
    )
    return TemplateResponse(
        request,
        "reports/store_statements.html",
        {"store": request.staff.store, "statements": list(statements)},
    )


@staff_required(roles=MANAGERS_AND_HQ)
def store_statement(request, pk: int):
    statement = _store_statement(request, pk)
    return TemplateResponse(
        request,
        "reports/statement.html",
        {
            "statement": statement,
            "lines": _lines(statement),
            "events": list(statement.events.select_related("actor")),
        },
    )


@staff_required(roles=MANAGERS_AND_HQ)
def store_statement_export(request, pk: int):
    statement = _store_statement(request, pk)
    figures = [
        ("credited_sales_fen", statement.credited_sales),
        ("credited_refunds_fen", statement.credited_refunds),
        ("fulfilled_for_others_fen", statement.fulfilled_for_others),
        ("fulfilled_by_others_fen", statement.fulfilled_by_others),
        ("discounts_fen", statement.discounts),
        ("coupon_cost_fen", statement.coupon_cost),
        ("commissions_fen", statement.commissions),
        ("platform_fee_fen", statement.platform_fee),
        ("fulfilment_fees_earned_fen", statement.fulfilment_fees_earned),
        ("fulfilment_fees_paid_fen", statement.fulfilment_fees_paid),
        ("net_due_fen", statement.net_due),
    ]

    def rows():
        for name, value in figures:
            yield ["summary", name, "", "", "", value]
        for line in _lines(statement):
            record = line["record"]
            if line["kind"] == "order":
                yield ["order", record.number, timezone.localtime(record.paid_at).isoformat(),
                       record.channel, line["part"], line["amount"]]  # fmt: skip
            else:
                yield ["refund", record.out_refund_no,
                       timezone.localtime(record.completed_at).isoformat(), record.order.number,
                       line["part"], line["amount"]]  # fmt: skip

    return csv_stream(
        f"statement-{statement.store.code}-{statement.month:%Y-%m}.csv",
        ["row", "reference", "time", "detail", "part", "amount_fen"],
        rows(),
    )


def statement_pdf_response(statement: SettlementStatement) -> HttpResponse:
    """The statement as a PDF download (the back office's and the admin's link)."""
    content = statement_pdf(
        statement, _lines(statement), list(statement.events.select_related("actor"))
    )
    response = HttpResponse(content, content_type="application/pdf")
    name = f"statement-{statement.store.code}-{statement.month:%Y-%m}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@staff_required(roles=MANAGERS_AND_HQ)
def store_statement_pdf(request, pk: int):
    return statement_pdf_response(_store_statement(request, pk))
