"""Cached bodies of the shopper's catalog pages: product, home and category.

A shopper who scans a shelf label waits for the product page on a mobile connection, and a
flash sale sends thousands to the same few pages; rendering them costs far more CPU than the
queries behind them. So the shared part of each page (what every shopper of the same store and
language sees) is rendered once and kept in the cache (Redis), while the per-shopper parts (cart
count, favorite, login, the scanned-store line, messages) stay outside in the layout or come as
htmx fragments.

Entries are never deleted. Each is kept under a key without versions, together with the version
numbers it was built under; it is read in the same round trip as the current versions and used
only when they are equal, so a change bumps a version and the next request builds the entry
again (overwriting the stale one). A product page costs one cache round trip, a QR landing two.

- ``catalog:v``: anything in the catalog or the stores (product, SKU, price, image, category,
  matching products, store) - bumped by the signals in ``catalog/cache_signals.py`` and, where a
  service writes with ``queryset.update()``, by an explicit :func:`catalog_version_bump`.
- ``catalog:reviews:v:<product code>``: the product's reviews and rating, which change far more
  often than the catalog and touch one page only.

A bump happens at once and again when the transaction commits, so a request that read the old
rows while the write was still open cannot leave them cached under the new version. The
versions an entry carries are the ones read before it was built.
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


# Versions read during one request are read once: a QR landing asks for the scanned SKU and
# the store, then for the page, each checked against the catalog version. Only inside a
# request, so a long-lived process (a worker, a shell) never keeps an old version.
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


def _version_keys(reviews_of: str | None) -> list[str]:
    keys = [CATALOG_VERSION_KEY]
    if reviews_of is not None:
        keys.append(_reviews_version_key(reviews_of))
    return keys


def _entry_key(name: str, parts: Iterable[object]) -> str:
    return ":".join(
        str(part) for part in (PAGE_KEY_PREFIX, name, translation.get_language(), *parts)
    )


def _fetch(version_keys: list[str], entry_keys: list[str]) -> tuple[tuple, list]:
    """(the current versions, the payload of each entry still built under them, else None):
    one cache round trip for all, none for versions already read during this request."""
    memo = getattr(_request_versions, "values", None)
    wanted = [key for key in version_keys if memo is None or key not in memo]
    found = cache.get_many([*wanted, *entry_keys])
    versions = {**(memo or {}), **{key: found[key] for key in wanted if key in found}}
    for key in wanted:
        if key not in versions:
            # Never seen (or evicted): start from the clock (see _bump).
            cache.add(key, time.time_ns(), timeout=None)
            versions[key] = cache.get(key)
    if memo is not None:
        memo.update({key: versions[key] for key in wanted if versions[key] is not None})
    current = tuple(versions[key] for key in version_keys)
    # What is kept never carries None (see _keep), so an unread version matches nothing.
    entries = (found.get(key) for key in entry_keys)
    return current, [entry[1] if entry and entry[0] == current else None for entry in entries]


def _keep(key: str, versions: tuple, payload) -> None:
    # Without a version (the cache is unreachable) nothing is kept: it could not be checked.
    if None not in versions:
        cache.set(key, (versions, payload), settings.CATALOG_PAGE_CACHE_SECONDS)


class CatalogRead(NamedTuple):
    """One small read of the catalog or the stores, by name and key parts (see catalog_values)."""

    name: str
    parts: list
    compute: Callable[[], object]


def catalog_values(*reads: CatalogRead) -> list:
    """Small reads of the catalog or the stores (a scanned SKU's product, a store), kept under
    the catalog version like the pages and fetched together with it in one cache round trip.
    None (nothing found) is never kept, so made-up codes cannot fill the cache."""
    if settings.CATALOG_PAGE_CACHE_SECONDS <= 0:
        return [read.compute() for read in reads]
    keys = [_entry_key(read.name, read.parts) for read in reads]
    versions, cached = _fetch(_version_keys(None), keys)
    values = []
    for key, read, value in zip(keys, reads, cached, strict=True):
        if value is None:
            value = read.compute()
            if value is not None:
                _keep(key, versions, value)
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
    junk in a URL cannot fill the cache. The language is part of the key; the entry is valid
    for the catalog version and, with `reviews_of` (a product code), that product's reviews
    version.
    """
    if settings.CATALOG_PAGE_CACHE_SECONDS <= 0:
        return render()[0]
    key = _entry_key(page, parts)
    versions, (fragments,) = _fetch(_version_keys(reviews_of), [key])
    if fragments is not None:
        return fragments
    fragments, cacheable = render()
    if fragments is not None and cacheable:
        _keep(key, versions, fragments)
    return fragments
