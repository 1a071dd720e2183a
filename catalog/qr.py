"""Per-item QR codes: every SKU has a stable URL, optionally naming the store it hangs in.

The URL is the contract printed on shelf labels, so its shape never changes:
``{SITE_URL}/q/<sku code>?s=<store code>``.
"""

from dataclasses import dataclass
from urllib.parse import parse_qs, quote, unquote, urlencode, urlsplit

from django.conf import settings
from PIL import Image

from o2o.qr import qr_image_make


def sku_qr_url(sku, store=None) -> str:
    url = f"{settings.SITE_URL}/q/{quote(sku.code)}"
    if store is not None:
        url += "?" + urlencode({"s": store.code})
    return url


@dataclass(frozen=True)
class ScannedLabel:
    """What a shelf label's QR names: a SKU code and, when printed for one, a store code."""

    sku_code: str
    store_code: str = ""


def sku_qr_parse(text: str) -> ScannedLabel | None:
    """The SKU (and store) a scanned label URL names; None for anything else.

    Only our own labels count: the host must be SITE_URL's (either scheme, so labels printed
    before a move to https still scan) and the path `/q/<sku code>`.
    """
    try:
        url, site = urlsplit(str(text or "").strip()), urlsplit(settings.SITE_URL)
    except ValueError:
        return None
    if url.scheme not in ("http", "https") or url.netloc.lower() != site.netloc.lower():
        return None
    prefix = site.path.rstrip("/") + "/q/"
    if not url.path.startswith(prefix):
        return None
    sku_code = unquote(url.path[len(prefix) :])
    if not sku_code or "/" in sku_code or sku_code.endswith(".png"):
        return None
    store_code = (parse_qs(url.query).get("s") or [""])[0]
    return ScannedLabel(sku_code=sku_code, store_code=store_code)


def sku_qr_image(sku, store=None, *, box_size: int = 10) -> Image.Image:
    return qr_image_make(sku_qr_url(sku, store), box_size=box_size)
