"""Printable shelf label sheets: A4 pages of labels, each with a QR code naming SKU and store.

Rendered with Pillow at 300 dpi and saved as a multi-page PDF, so HQ needs no PDF library and
the pages themselves can be checked in tests (the QR codes decode back to the expected URLs).
"""

import io
import logging
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from catalog.models import SKU
from catalog.qr import qr_image_make, sku_qr_url
from catalog.selectors import category_node_find, category_tree
from o2o.money import format_yuan

logger = logging.getLogger(__name__)

CJK_FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
DPI = 300
PAGE_SIZE = (2480, 3508)  # A4 at 300 dpi
COLUMNS, ROWS = 3, 8
PAGE_MARGIN = (90, 110)  # most office printers cannot print the outer ~5 mm
LABEL_PADDING = 24


@dataclass(frozen=True)
class LabelGeometry:
    width: int
    height: int

    @classmethod
    def for_page(cls) -> "LabelGeometry":
        return cls(
            width=(PAGE_SIZE[0] - 2 * PAGE_MARGIN[0]) // COLUMNS,
            height=(PAGE_SIZE[1] - 2 * PAGE_MARGIN[1]) // ROWS,
        )


@cache
def label_font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """The CJK font (fonts-wqy-microhei) at `size` px; Pillow's default font without it."""
    if CJK_FONT.exists():
        return ImageFont.truetype(str(CJK_FONT), size)
    logger.warning("%s is missing: Chinese text on labels will not render", CJK_FONT)
    return ImageFont.load_default(size=size)


def _wrap(draw, text: str, font, width: int, max_lines: int) -> list[str]:
    """Wrap by character (Chinese has no spaces), ellipsising what does not fit."""
    lines, line = [], ""
    for character in text:
        if draw.textlength(line + character, font=font) <= width:
            line += character
            continue
        lines.append(line)
        line = character.lstrip()
        if len(lines) == max_lines:
            break
    else:
        if line:
            lines.append(line)
        return lines
    last = lines[-1]
    while last and draw.textlength(last + "…", font=font) > width:
        last = last[:-1]
    lines[-1] = last + "…"
    return lines


def label_draw(page: Image.Image, origin: tuple[int, int], *, sku: SKU, store) -> None:
    geometry = LabelGeometry.for_page()
    left, top = origin
    draw = ImageDraw.Draw(page)
    # Thin grey frame: cutting guide, light enough not to disturb the QR's quiet zone.
    draw.rectangle(
        (left, top, left + geometry.width - 1, top + geometry.height - 1), outline=(200, 200, 200)
    )

    qr_side = geometry.height - 2 * LABEL_PADDING
    qr = qr_image_make(sku_qr_url(sku, store), box_size=1, border=2)
    # Nearest-neighbour scaling by a whole factor keeps module edges crisp for scanners.
    factor = max(1, qr_side // qr.width)
    qr = qr.resize((qr.width * factor, qr.height * factor), Image.Resampling.NEAREST)
    qr_top = top + (geometry.height - qr.height) // 2
    page.paste(qr, (left + LABEL_PADDING, qr_top))

    text_left = left + LABEL_PADDING + qr.width + LABEL_PADDING
    text_width = left + geometry.width - LABEL_PADDING - text_left
    y = top + LABEL_PADDING + 6
    name_font = label_font(34)
    for line in _wrap(draw, sku.product.name, name_font, text_width, max_lines=3):
        draw.text((text_left, y), line, font=name_font, fill="black")
        y += 44
    y += 6
    variant = " / ".join(part for part in (sku.color, sku.size) if part)
    if variant:
        variant_font = label_font(30)
        for line in _wrap(draw, variant, variant_font, text_width, max_lines=1):
            draw.text((text_left, y), line, font=variant_font, fill=(60, 60, 60))
    price_font = label_font(58)
    price_y = top + geometry.height - LABEL_PADDING - 58 - 40
    draw.text((text_left, price_y), format_yuan(sku.price), font=price_font, fill="black")
    draw.text(
        (text_left, top + geometry.height - LABEL_PADDING - 28),
        sku.code,
        font=label_font(22),
        fill=(120, 120, 120),
    )


def label_sheet_skus(*, category=None, skus=None) -> list[SKU]:
    """The SKUs to print: those given, else every active one (of a category and its subtree)."""
    if skus is not None:
        queryset = SKU.objects.filter(pk__in=[sku.pk for sku in skus])
    else:
        queryset = SKU.objects.filter(is_active=True, product__is_active=True)
        if category is not None:
            node, _ancestors = category_node_find(category_tree(), category.slug)
            ids = node.descendant_ids() if node else [category.pk]
            queryset = queryset.filter(product__category_id__in=ids)
    return list(queryset.select_related("product").order_by("product__code", "id"))


def label_sheet_pages(*, store, category=None, skus=None) -> list[Image.Image]:
    """One RGB A4 page image per COLUMNS × ROWS labels; an empty selection gives no pages."""
    selected = label_sheet_skus(category=category, skus=skus)
    geometry = LabelGeometry.for_page()
    per_page = COLUMNS * ROWS
    pages = []
    for start in range(0, len(selected), per_page):
        page = Image.new("RGB", PAGE_SIZE, "white")
        for index, sku in enumerate(selected[start : start + per_page]):
            row, column = divmod(index, COLUMNS)
            origin = (
                PAGE_MARGIN[0] + column * geometry.width,
                PAGE_MARGIN[1] + row * geometry.height,
            )
            label_draw(page, origin, sku=sku, store=store)
        pages.append(page)
    return pages


def label_sheet_pdf(*, store, category=None, skus=None) -> bytes:
    pages = label_sheet_pages(store=store, category=category, skus=skus)
    if not pages:
        # A valid one-page blank PDF rather than an error: "nothing to print" is not a failure.
        pages = [Image.new("RGB", PAGE_SIZE, "white")]
    buffer = io.BytesIO()
    pages[0].save(
        buffer,
        format="PDF",
        save_all=True,
        append_images=pages[1:],
        resolution=DPI,
        title=f"QR labels {store.code}",
    )
    return buffer.getvalue()
