"""Per-item QR codes: every SKU has a stable URL, optionally naming the store it hangs in.

The URL is the contract printed on shelf labels, so its shape never changes:
``{SITE_URL}/q/<sku code>?s=<store code>``.
"""

from urllib.parse import quote, urlencode

import qrcode
from django.conf import settings
from PIL import Image
from qrcode.constants import ERROR_CORRECT_M


def sku_qr_url(sku, store=None) -> str:
    url = f"{settings.SITE_URL}/q/{quote(sku.code)}"
    if store is not None:
        url += "?" + urlencode({"s": store.code})
    return url


def qr_image_make(data: str, *, box_size: int = 10, border: int = 4) -> Image.Image:
    # Level M survives a scuffed or slightly curled label while keeping modules large.
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=box_size, border=border)
    code.add_data(data)
    code.make(fit=True)
    return code.make_image(fill_color="black", back_color="white").get_image().convert("RGB")


def sku_qr_image(sku, store=None, *, box_size: int = 10) -> Image.Image:
    return qr_image_make(sku_qr_url(sku, store), box_size=box_size)
