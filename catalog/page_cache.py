"""Cached bodies of the shopper's catalog pages: product, home and category.

A shopper who scans a shelf label waits for the product page on a mobile connection, and a
flash sale sends thousands to the same few pages; rendering them costs far more CPU than the
queries behind them. So the shared part of each page (what every shopper of the same store and
language sees) is rendered once and kept in the cache (Redis), while the per-shopper parts (cart
count, favorite, login, the scanned-store line, messages) stay outside in the layout or come as
htmx fragments.

Entries are never deleted: their keys carry version numbers, and a change bumps the version so
the next request builds a new entry (the old one expires after CATALOG_PAGE_CACHE_SECONDS).

- ``catalog:v``: anything in the catalog or the stores (product, SKU, price, image, category,
  matching products, store) - bumped by the signals in ``catalog/cache_signals.py`` and, where a
  service writes with ``queryset.update()``, by an explicit :func:`catalog_version_bump`.
- ``catalog:reviews:v:<product code>``: the product's reviews and rating, which change far more
  often than the catalog and touch one page only.

A bump happens at once and again when the transaction commits, so a request that read the old
rows while the write was still open cannot leave them cached under the new version.
"""

import threading
import time
from collections.abc import Callable, Iterable
from typing import NamedTuple

from django.conf import settings
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import transaction
from django.utils import translation

CATALOG_VERSION_KEY = "catalog:v"
PAGE_KEY_PREFIX = "catalog:page"


# Versions read during one request are read once: a QR landing asks for the scanned SKU, the
# store and the page, each keyed by the catalog version. Only inside a request, so a long-lived
# process (a worker, a shell) never keeps an old version.
_request_versions = threading.local()


def _request_versions_start(**kwargs):
    _request_versions.values = {}


def _request_versions_end(**kwargs):
    _request_versions.values = None


request_started.connect(_request_versions_start, dispatch_uid="catalog-page-cache-start")
request_finished.connect(_request_versions_end, dispatch_uid="catalog-page-cache-end")


def _reviews_version_key(product_code: str) -> str:
    return f"catalog:reviews:v:{product_code}"


def _bump(key: str) -> None:
    memo = getattr(_request_versions, "values", None)
    if memo:
        memo.pop(key, None)
    try:
        cache.incr(key)
    except ValueError:
        # Never seen (or evicted): start from the clock, so a fresh counter cannot fall back
        # onto numbers whose entries may still be cached.
        cache.add(key, time.time_ns(), timeout=None)


def _bump_now_and_on_commit(key: str) -> None:
    _bump(key)
    transaction.on_commit(lambda: _bump(key))


def catalog_version_bump() -> None:
    """Every cached catalog page is stale: products, SKUs, prices, images, categories or
    stores changed."""
    _bump_now_and_on_commit(CATALOG_VERSION_KEY)


def product_reviews_version_bump(*, product_codes: Iterable[str]) -> None:
    """The reviews (or their visibility) of these products changed."""
    for code in set(product_codes):
        _bump_now_and_on_commit(_reviews_version_key(code))


def _versions(keys: list[str]) -> list[int]:
    memo = getattr(_request_versions, "values", None)
    missing = [key for key in keys if memo is None or key not in memo]
    found = cache.get_many(missing) if missing else {}
    for key in missing:
        if key not in found:
            cache.add(key, time.time_ns(), timeout=None)
            found[key] = cache.get(key)
    if memo is not None:
        memo.update(found)
        found = {**memo, **found}
    return [found[key] for key in keys]


def _key(name: str, parts: Iterable[object], *, reviews_of: str | None = None) -> str:
    version_keys = [CATALOG_VERSION_KEY]
    if reviews_of is not None:
        version_keys.append(_reviews_version_key(reviews_of))
    return ":".join(
        str(part)
        for part in (
            PAGE_KEY_PREFIX,
            name,
            *_versions(version_keys),
            translation.get_language(),
            *parts,
        )
    )


class CatalogRead(NamedTuple):
    """One small read of the catalog or the stores, by name and key parts (see catalog_values)."""

    name: str
    parts: list
    compute: Callable[[], object]


def catalog_values(*reads: CatalogRead) -> list:
    """Small reads of the catalog or the stores (a scanned SKU's product, a store), kept under
    the catalog version like the pages and fetched together in one cache round trip. None
    (nothing found) is never kept, so made-up codes cannot fill the cache."""
    seconds = settings.CATALOG_PAGE_CACHE_SECONDS
    if seconds <= 0:
        return [read.compute() for read in reads]
    keys = [_key(read.name, read.parts) for read in reads]
    found = cache.get_many(keys) if keys else {}
    values = []
    for key, read in zip(keys, reads, strict=True):
        value = found.get(key)
        if value is None:
            value = read.compute()
            if value is not None:
                cache.set(key, value, seconds)
        values.append(value)
    return values


def page_fragments(
    *,
    page: str,
    parts: Iterable[object],
    render: Callable[[], tuple[dict | None, bool]],
    reviews_of: str | None = None,
) -> dict | None:
    """The cached fragments of `page` for these key parts, else `render()`'s, kept if it says so.

    `render` returns ``(fragments, cacheable)``: fragments is a dict of strings (None for a page
    that does not exist, which is never cached); cacheable is False when the request asked for
    something the page normalised away (an unknown SKU, a page number out of range), so that
    junk in a URL cannot fill the cache. The language and the catalog version are always part
    of the key; `reviews_of` (a product code) adds that product's reviews version.
    """
    seconds = settings.CATALOG_PAGE_CACHE_SECONDS
    if seconds <= 0:
        return render()[0]
    key = _key(page, parts, reviews_of=reviews_of)
    fragments = cache.get(key)
    if fragments is not None:
        return fragments
    fragments, cacheable = render()
    if fragments is not None and cacheable:
        cache.set(key, fragments, seconds)
    return fragments
