"""A franchise statement as a PDF: the same figures, orders and refunds as its page and CSV,
in the active language.

Chinese text needs a CJK font. ReportLab's CID font `STSong-Light` is one of the Adobe fonts
every PDF reader carries, so the file names it instead of embedding glyphs: nothing to ship, no
font file to find on the server, and the PDF stays small. Every string, Latin included, is set in
that one font (its half-width Latin glyphs cover order numbers and figures); characters outside
GB 2312, such as '¥' and '·', would print as blanks and are not used.
"""

from __future__ import annotations

from io import BytesIO

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus.tables import LongTable

from reports.models import SettlementStatement

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))

TITLE = ParagraphStyle("title", fontName=FONT, fontSize=16, leading=22, spaceAfter=4)
HEADING = ParagraphStyle("heading", fontName=FONT, fontSize=12, leading=18, spaceBefore=8)
BODY = ParagraphStyle("body", fontName=FONT, fontSize=9.5, leading=13)
MUTED = ParagraphStyle("muted", parent=BODY, textColor=colors.grey)
GRID = [
    ("FONTNAME", (0, 0), (-1, -1), FONT),
    ("FONTSIZE", (0, 0), (-1, -1), 9.5),
    ("ALIGN", (-1, 0), (-1, -1), "RIGHT"),
    ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.lightgrey),
]


def _yuan(fen: int) -> str:
    """12345 → '123.45' (the columns say yuan; the ¥ sign is not in the CJK font's range)."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(int(fen)), 100)
    return f"{sign}{whole:,}.{cents:02d}"


def _figures(statement: SettlementStatement) -> list[tuple[str, int]]:
    """The statement's lines as its page shows them, each signed as it moves the net due."""
    return [
        (_("Credited sales"), statement.credited_sales),
        (_("Refunds in the month"), -statement.credited_refunds),
        (
            _("Platform fee (%(rate)s bp)") % {"rate": statement.platform_fee_bp},
            -statement.platform_fee,
        ),
        (
            f"{_('Fulfilled for other stores')} ({_yuan(statement.fulfilled_for_others)})",
            statement.fulfilment_fees_earned,
        ),
        (
            f"{_('Fulfilled by other stores')} ({_yuan(statement.fulfilled_by_others)})",
            -statement.fulfilment_fees_paid,
        ),
        (
            f"{_('Discounts paid back by HQ')} ("
            + _("%(total)s, the store bears %(borne)s")
            % {"total": _yuan(statement.discounts), "borne": _yuan(statement.coupon_cost)}
            + ")",
            statement.coupon_refund,
        ),
        (_("Commissions of its clerks"), -statement.commissions),
    ]


def _cell(text: str, style: ParagraphStyle = BODY) -> Paragraph:
    """A wrapping table cell (Paragraph markup: escape what the data could contain)."""
    return Paragraph(
        str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"), style
    )


def statement_pdf(statement: SettlementStatement, lines: list[dict], events: list) -> bytes:
    """The PDF of `statement`; `lines` and `events` as the statement's page gets them."""
    store = statement.store
    buffer = BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title=f"{_('Statement')} {store.code} {statement.month:%Y-%m}",
        author=store.name,
    )
    amount = _("Amount (yuan)")
    summary = [[_cell(label), _yuan(value)] for label, value in _figures(statement)]
    due = _("HQ pays the store") if statement.net_due >= 0 else _("The store pays HQ")
    summary.append([_cell(due), _yuan(statement.net_due)])
    summary_table = Table(
        [[_cell(""), amount], *summary], colWidths=[130 * mm, 44 * mm], repeatRows=1
    )
    summary_table.setStyle(TableStyle([*GRID, ("LINEABOVE", (0, -1), (-1, -1), 0.8, colors.black)]))

    rows = [[_("Reference"), _("Time"), _("Part"), amount]]
    for line in lines:
        record = line["record"]
        if line["kind"] == "order":
            reference, moment = record.number, record.paid_at
        else:
            reference, moment = record.out_refund_no, record.completed_at
        rows.append(
            [
                reference,
                timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else "",
                _cell(line["part"]),
                _yuan(line["amount"]),
            ]
        )
    if not lines:
        rows.append([_("No orders this month."), "", "", ""])
    # LongTable: a busy month runs over many pages, the header repeated on each.
    lines_table = LongTable(rows, colWidths=[46 * mm, 34 * mm, 64 * mm, 30 * mm], repeatRows=1)
    lines_table.setStyle(TableStyle(GRID))

    story = [
        _cell(f"{_('Statement')} {statement.month:%Y-%m} ({statement.get_state_display()})", TITLE),
        _cell(f"{store.name} ({store.code})", MUTED),
        Spacer(1, 4 * mm),
        summary_table,
        _cell(_("Orders and refunds behind it"), HEADING),
        lines_table,
        _cell(_("History"), HEADING),
    ]
    for event in events:
        when = f"{timezone.localtime(event.created_at):%Y-%m-%d %H:%M}"
        story.append(_cell("   ".join(filter(None, [when, event.get_kind_display(), event.note]))))
    document.build(story)
    return buffer.getvalue()
