"""Shopper H5 pages of the catalog and the shelf QR landing. Thin: parse, select, render.

The product, home and category pages render their shared body once per store and language and
serve it from the cache (catalog.page_cache); what belongs to one shopper stays outside it.
"""

import hashlib

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from catalog import page_cache, qr, scanning, selectors, store_prices
from catalog.presenters import product_page_context
from o2o.security_headers import allows_wechat_jssdk
from stores.models import Store

CATEGORY_PAGE_SIZE = 20
REVIEWS_PAGE_SIZE = 20


def _store_key(store: Store | None) -> str:
    # Per-store prices and assortment vary with the store a shopper scanned in: it is part of
    # every cached page's key, so one store's page is never served in another.
    return store.code if store is not None else "-"


def _slug_key(slug: str) -> str:
    # Category slugs may be Unicode and long; the key holds them by digest.
    if selectors.code_is_plausible(slug):
        return slug
    return hashlib.sha256(slug.encode()).hexdigest()[:32]


def _page_number_key(raw) -> str:
    return raw if isinstance(raw, str) and raw.isdigit() and len(raw) <= 6 else "1"


@require_GET
def home(request):
    store = scanning.scanned_store_get(request)

    def render_body():
        context = {
            "new_arrivals": selectors.products_new_arrivals(),
            "categories": selectors.category_tree(),
            "products": list(selectors.product_tiles().order_by("-created_at", "code")[:20]),
        }
        return {"body": render_to_string("catalog/includes/home_body.html", context)}, True

    # New arrivals are those of the last days: the date is part of the key.
    page = page_cache.page_fragments(
        page="home", parts=[_store_key(store), timezone.localdate()], render=render_body
    )
    return render(request, "catalog/home.html", {"page": page})


@require_GET
def categories(request):
    return render(request, "catalog/categories.html", {"tree": selectors.category_tree()})


@require_GET
def category(request, slug):
    store = scanning.scanned_store_get(request)
    raw_page = request.GET.get("page")
    page_key = _page_number_key(raw_page)

    def render_body():
        node, ancestors = selectors.category_node_find(selectors.category_tree(), slug)
        if node is None:
            return None, False
        # A shopper in a store sees the store's range (its assortment, 千店千面).
        products = store_prices.products_offered_at(
            selectors.product_tiles().filter(category_id__in=node.descendant_ids()), store
        )
        page_obj = Paginator(products.order_by("-created_at", "code"), CATEGORY_PAGE_SIZE).get_page(
            raw_page
        )
        context = {"node": node, "ancestors": ancestors, "page_obj": page_obj}
        body = render_to_string("catalog/includes/category_body.html", context)
        # A page number out of range shows another page: not kept under the asked number.
        return {"title": node.category.name, "body": body}, str(page_obj.number) == page_key

    page = page_cache.page_fragments(
        page="category",
        parts=[_store_key(store), _slug_key(slug), page_key],
        render=render_body,
    )
    if page is None:
        raise Http404
    return render(request, "catalog/category.html", {"page": page})


def _chosen_store(code) -> Store | None:
    if not selectors.code_is_plausible(code):
        return None
    return (
        Store.objects.filter(code=code, is_active=True).exclude(kind=Store.Kind.WAREHOUSE).first()
    )


def _product_fragments_render(*, code: str, selected_code: str, price_store: Store | None):
    """The cached parts of the product page, or None when no active product has this code."""
    product = selectors.product_detail_get(code=code)
    if product is None:
        return None, False
    context = product_page_context(
        product=product,
        selected_code=selected_code,
        rating=selectors.product_rating_summary(product=product),
        reviews=selectors.product_reviews_visible(product=product),
        prices=store_prices.sku_prices_at(product.skus.all(), price_store) if price_store else None,
    )
    context["price_store"] = price_store
    selected = context["selected_sku"]
    fragments = {
        "code": product.code,
        "title": product.name,
        "head": render_to_string("catalog/includes/product_head.html", context),
        "main": render_to_string("catalog/includes/product_main.html", context),
        "more": render_to_string("catalog/includes/product_more.html", context),
    }
    # An unknown ?sku= shows the product with nothing picked: not kept under the junk code.
    return fragments, not selected_code or (selected is not None and selected.code == selected_code)


def _product_page(
    request, *, code: str, selected_code: str, actions_query: str, landing=False, scanned_store=None
):
    # The store just scanned (QR landing), else the one remembered from an earlier scan.
    store = scanned_store or scanning.scanned_store_get(request)
    # 千店千面: the prices of the store she scanned in, else of the store whose page she came
    # from (?store=<code>, shown only: it is not remembered and credits nothing).
    price_store = store or (None if landing else _chosen_store(request.GET.get("store")))
    if not selectors.code_is_plausible(selected_code):
        selected_code = ""
    page = page_cache.page_fragments(
        page="product",
        parts=[_store_key(price_store), code, selected_code or "-"],
        render=lambda: _product_fragments_render(
            code=code, selected_code=selected_code, price_store=price_store
        ),
        reviews_of=code,
    )
    if page is None:
        raise Http404
    canonical_path = reverse("catalog:product", args=[page["code"]])
    if landing and selected_code:
        canonical_path += "?" + urlencode({"sku": selected_code})
    # Cart, "buy here now", favorite and share link come from the order flow as an htmx
    # fragment (orders:product_actions), like the stock partial from inventory: they are the
    # shopper's own, so they stay out of the cached fragments.
    return render(
        request,
        "catalog/product.html",
        {
            "page": page,
            "scanned_store": store,
            "canonical_path": canonical_path,
            "landing": landing,
            "actions_query": actions_query,
        },
    )


@require_GET
@allows_wechat_jssdk  # inside WeChat, sharing the page carries the sharer's referral code
def product(request, code):
    if not selectors.code_is_plausible(code):
        raise Http404
    return _product_page(
        request,
        code=code,
        selected_code=request.GET.get("sku", ""),
        actions_query=request.GET.urlencode(),
    )


@require_GET
def product_reviews(request, code):
    product = selectors.product_active_get(code=code)
    if product is None:
        raise Http404
    page = Paginator(selectors.product_reviews_queryset(product=product), REVIEWS_PAGE_SIZE)
    return render(
        request,
        "catalog/product_reviews.html",
        {"product": product, "page_obj": page.get_page(request.GET.get("page"))},
    )


def _not_sold(request, *, status):
    return render(request, "catalog/not_sold.html", status=status)


def _scan_target(sku_code: str) -> tuple[str, bool] | None:
    """(product code, still on sale) for a label's SKU code; None for a code never issued."""
    sku = selectors.sku_for_scan_get(code=sku_code)
    if sku is None:
        return None
    return sku.product.code, sku.is_active and sku.product.is_active


@require_GET
@allows_wechat_jssdk  # the landing answers with the product page itself, share menu included
def qr_landing(request, sku_code):
    """Where a shelf label's QR code leads: the product page with this SKU picked.

    The page is answered here rather than through a redirect (one round trip less on a
    shopper's mobile connection); it names the product's own address as canonical and its
    script puts that address in the address bar.

    Unknown codes get a 404 and withdrawn items a 410, both as a friendly page that sends the
    shopper on to the shop and the store finder. A store code that does not check out still
    opens the product (the shopper wants to see the item) but is not remembered, since sales
    would otherwise be credited to a store that does not exist.
    """
    # A code that could never have been printed is not looked up, nor kept in the cache. The
    # label's SKU and store are read together with the catalog version: one cache round trip,
    # and one more for the page.
    if not selectors.code_is_plausible(sku_code):
        return _not_sold(request, status=404)
    store_code = request.GET.get("s", "")
    reads = [page_cache.CatalogRead("scan", [sku_code], lambda: _scan_target(sku_code))]
    if store_code and selectors.code_is_plausible(store_code):
        reads.append(scanning.store_active_read(store_code))
    values = page_cache.catalog_values(*reads)
    target, store = values[0], (values[1] if len(values) > 1 else None)
    if target is None:
        return _not_sold(request, status=404)
    product_code, on_sale = target
    if not on_sale:
        return _not_sold(request, status=410)
    if store_code:
        if store is None:
            messages.warning(
                request, _("We could not recognise the store on this label; showing the item.")
            )
    response = _product_page(
        request,
        code=product_code,
        selected_code=sku_code,
        actions_query=urlencode({"sku": sku_code}),
        landing=True,
        scanned_store=store,
    )
    if store is not None:
        scanning.scanned_store_remember(response, store)
    return response


@staff_member_required
@require_GET
def qr_png(request, sku_code):
    sku = selectors.sku_for_scan_get(code=sku_code)
    if sku is None:
        raise Http404
    store = None
    store_code = request.GET.get("s", "")
    if store_code:
        if not selectors.code_is_plausible(store_code):
            raise Http404
        store = Store.objects.filter(code=store_code).first()
        if store is None:
            raise Http404
    response = HttpResponse(content_type="image/png")
    qr.sku_qr_image(sku, store).save(response, format="PNG")
    response["Content-Disposition"] = f'inline; filename="qr-{sku.code}.png"'
    return response
