"""Shopper H5 pages of the catalog and the shelf QR landing. Thin: parse, select, render."""

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from catalog import qr, scanning, selectors, store_prices
from catalog.presenters import product_page_context
from stores.models import Store

CATEGORY_PAGE_SIZE = 20
REVIEWS_PAGE_SIZE = 20


@require_GET
def home(request):
    return render(
        request,
        "catalog/home.html",
        {
            "new_arrivals": selectors.products_new_arrivals(),
            "categories": selectors.category_tree(),
            "products": list(selectors.product_tiles().order_by("-created_at", "code")[:20]),
        },
    )


@require_GET
def categories(request):
    return render(request, "catalog/categories.html", {"tree": selectors.category_tree()})


@require_GET
def category(request, slug):
    node, ancestors = selectors.category_node_find(selectors.category_tree(), slug)
    if node is None:
        raise Http404
    # A shopper in a store sees the store's range (its assortment, 千店千面).
    products = store_prices.products_offered_at(
        selectors.product_tiles().filter(category_id__in=node.descendant_ids()),
        scanning.scanned_store_get(request),
    )
    page = Paginator(products.order_by("-created_at", "code"), CATEGORY_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "catalog/category.html",
        {"node": node, "ancestors": ancestors, "page_obj": page},
    )


def _chosen_store(code) -> Store | None:
    if not selectors.code_is_plausible(code):
        return None
    return (
        Store.objects.filter(code=code, is_active=True).exclude(kind=Store.Kind.WAREHOUSE).first()
    )


@require_GET
def product(request, code):
    product = selectors.product_detail_get(code=code)
    if product is None:
        raise Http404
    # 千店千面: the prices of the store she scanned in, else of the store whose page she came
    # from (?store=<code>, shown only: it is not remembered and credits nothing).
    scanned_store = scanning.scanned_store_get(request)
    shown_store = scanned_store or _chosen_store(request.GET.get("store"))
    context = product_page_context(
        product=product,
        selected_code=request.GET.get("sku", ""),
        rating=selectors.product_rating_summary(product=product),
        reviews=selectors.product_reviews_visible(product=product),
        prices=store_prices.sku_prices_at(product.skus.all(), shown_store) if shown_store else None,
    )
    context["scanned_store"] = scanned_store
    context["price_store"] = shown_store
    # Cart, "buy here now", favorite and share link come from the order flow as an htmx
    # fragment (orders:product_actions), like the stock partial from inventory.
    return render(request, "catalog/product.html", context)


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


@require_GET
def qr_landing(request, sku_code):
    """Where a shelf label's QR code leads: the product with this SKU picked.

    Unknown codes get a 404 and withdrawn items a 410, both as a friendly page that sends the
    shopper on to the shop and the store finder. A store code that does not check out still
    opens the product (the shopper wants to see the item) but is not remembered, since sales
    would otherwise be credited to a store that does not exist.
    """
    sku = selectors.sku_for_scan_get(code=sku_code)
    if sku is None:
        return _not_sold(request, status=404)
    if not (sku.is_active and sku.product.is_active):
        return _not_sold(request, status=410)
    store_code = request.GET.get("s", "")
    if store_code:
        store = None
        if selectors.code_is_plausible(store_code):
            store = Store.objects.filter(code=store_code, is_active=True).first()
        if store is None:
            messages.warning(
                request, _("We could not recognise the store on this label; showing the item.")
            )
        else:
            scanning.scanned_store_remember(request, store)
    url = reverse("catalog:product", args=[sku.product.code])
    return redirect(f"{url}?{urlencode({'sku': sku.code})}")


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
