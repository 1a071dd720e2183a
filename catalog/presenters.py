"""What the product page shows, worked out from an already-prefetched product (no queries)."""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from o2o.money import format_yuan

# How far up the category tree the pickers' names are looked for: the levels
# catalog.selectors.product_detail_get reads with the product, so no query is made here.
LABEL_LEVELS = 3


@dataclass
class Option:
    value: str
    selected: bool
    disabled: bool


def _ordered_unique(values):
    return list(dict.fromkeys(values))


def _options(values, *, selected, available):
    return [
        Option(value=value, selected=value == selected, disabled=value not in available)
        for value in values
    ]


def option_labels(category) -> tuple[str, str]:
    """The names of the two SKU pickers: the nearest category's own (色号, 段数, 容量…), else
    Color and Size, as for clothes."""
    chain = [category]
    while len(chain) < LABEL_LEVELS and chain[-1].parent_id is not None:
        chain.append(chain[-1].parent)
    color = next((node.color_label for node in chain if node.color_label), "")
    size = next((node.size_label for node in chain if node.size_label), "")
    return color or _("Color"), size or _("Size")


def selected_sku_pick(active_skus, code: str):
    """The SKU the page shows as picked: the one named by `code`, or the only one there is."""
    selected = next((sku for sku in active_skus if sku.code == code), None)
    if selected is None and len(active_skus) == 1:
        selected = active_skus[0]
    return selected


def product_page_context(*, product, selected_code, rating, reviews, prices=None) -> dict:
    """Pickers, prices, gallery order and the SKU blob for product.js.

    Every SKU is listed, inactive ones too, so the pickers can show a withdrawn combination as
    crossed out instead of silently dropping a color the shopper saw on the shelf. `prices`
    {sku_id: fen} are the shopper's store's own (catalog.store_prices); the chain price otherwise.
    """
    skus = list(product.skus.all())
    for sku in skus:
        sku.product = product  # sku.price reads the base price without another query
    active = [sku for sku in skus if sku.is_active]
    selected = selected_sku_pick(active, selected_code)

    colors = _ordered_unique(sku.color for sku in skus if sku.color)
    sizes = _ordered_unique(sku.size for sku in skus if sku.size)
    # A single color needs no choice; preselecting it lets sizes show their availability.
    selected_color = selected.color if selected else (colors[0] if len(colors) == 1 else "")
    selected_size = selected.size if selected else (sizes[0] if len(sizes) == 1 else "")
    color_available = {
        sku.color for sku in active if not selected_size or sku.size == selected_size
    }
    size_available = {
        sku.size for sku in active if not selected_color or sku.color == selected_color
    }

    prices = prices or {}
    for sku in skus:
        sku.store_price = prices.get(sku.pk, sku.price)
    range_prices = [sku.store_price for sku in active] or [product.base_price]
    images = list(product.images.all())
    if selected_color:
        # Images of the picked color first; stable sort keeps the editors' order otherwise.
        images.sort(key=lambda image: image.color != selected_color)

    color_label, size_label = option_labels(product.category)
    return {
        "product": product,
        "color_label": color_label,
        "size_label": size_label,
        "skus_json": [
            {
                "code": sku.code,
                "color": sku.color,
                "size": sku.size,
                "price": sku.store_price,
                "price_display": format_yuan(sku.store_price),
                "active": sku.is_active,
            }
            for sku in skus
        ],
        "selected_sku": selected,
        "colors": _options(colors, selected=selected_color, available=color_available),
        "sizes": _options(sizes, selected=selected_size, available=size_available),
        "min_price": min(range_prices),
        "max_price": max(range_prices),
        "images": images,
        "matching": product.matching_tiles,
        "rating": rating,
        "reviews": reviews,
        "sold_out": not active,
    }
