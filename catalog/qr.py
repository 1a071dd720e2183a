"""Per-item QR codes: every SKU has a stable URL, optionally naming the store it hangs in.

The URL is the contract printed on shelf labels, so its shape never changes:
``{SITE_URL}/q/<sku code>?s=<store code>``.
"""

from urllib.parse import quote, urlencode

from django.conf import settings
from PIL import Image

from o2o.qr import qr_image_make


def sku_qr_url(sku, store=None) -> str:
    url = f"{settings.SITE_URL}/q/{quote(sku.code)}"
    if store is not None:
        url += "?" + urlencode({"s": store.code})
    return url


def sku_qr_image(sku, store=None, *, box_size: int = 10) -> Image.Image:
    return qr_image_make(sku_qr_url(sku, store), box_size=box_size)
