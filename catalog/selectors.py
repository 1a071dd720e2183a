"""Reads shared by the shopper pages: a bounded number of queries whatever the data size."""

import re
from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import (
    Avg,
    Count,
    Max,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from catalog.models import SKU, Category, Product, ProductImage, Review

# SKU and store codes are slugs; anything else (unicode, NUL bytes, megabytes) is rejected
# before it reaches the database, where a NUL byte would raise instead of simply not matching.
CODE_PATTERN = re.compile(r"^[-a-zA-Z0-9_]{1,64}$")
NEW_ARRIVAL_DAYS = 30
REVIEWS_SHOWN = 10


def code_is_plausible(code: str | None) -> bool:
    return bool(code) and bool(CODE_PATTERN.match(code))


def product_tiles(queryset: QuerySet | None = None) -> QuerySet:
    """Active products annotated for a grid tile: price range and cover image, in one query."""
    queryset = Product.objects.all() if queryset is None else queryset
    cover = ProductImage.objects.filter(product=OuterRef("pk")).order_by("position", "id")
    active_price = Coalesce("skus__price_override", "base_price")
    return (
        queryset.filter(is_active=True)
        .annotate(
            min_price=Min(active_price, filter=Q(skus__is_active=True)),
            max_price=Max(active_price, filter=Q(skus__is_active=True)),
            cover_thumbnail=Subquery(cover.values("thumbnail")[:1]),
            cover_image=Subquery(cover.values("image")[:1]),
        )
        .only("id", "code", "name", "brand", "base_price", "new_arrival_date")
    )


@dataclass
class RatingSummary:
    count: int = 0
    average: float | None = None
    # [(stars, count, percent of all)], five stars first, as the page shows it.
    distribution: list[tuple[int, int, int]] = field(default_factory=list)


def product_rating_summary(*, product: Product) -> RatingSummary:
    """Average, count and per-star counts of visible reviews, in a single aggregate query."""
    visible = Review.objects.filter(product=product, is_hidden=False)
    per_star = {f"stars_{n}": Count("id", filter=Q(rating=n)) for n in range(1, 6)}
    totals = visible.aggregate(count=Count("id"), average=Avg("rating"), **per_star)
    count = totals["count"]
    distribution = [
        (n, totals[f"stars_{n}"], round(100 * totals[f"stars_{n}"] / count) if count else 0)
        for n in range(5, 0, -1)
    ]
    average = round(float(totals["average"]), 1) if totals["average"] is not None else None
    return RatingSummary(count=count, average=average, distribution=distribution)


def product_active_get(*, code: str) -> Product | None:
    if not code_is_plausible(code):
        return None
    return Product.objects.filter(code=code, is_active=True).first()


def product_detail_get(*, code: str) -> Product | None:
    """An active product with its category, SKUs, images and matching products prefetched."""
    if not code_is_plausible(code):
        return None
    return (
        Product.objects.filter(code=code, is_active=True)
        # Two levels of parents in the same query: the pickers' names come from the nearest.
        .select_related("category__parent__parent")
        .prefetch_related(
            Prefetch("skus", queryset=SKU.objects.order_by("id")),
            Prefetch("images", queryset=ProductImage.objects.order_by("position", "id")),
            Prefetch(
                "goes_well_with",
                queryset=product_tiles().order_by("name")[:6],
                to_attr="matching_tiles",
            ),
        )
        .first()
    )


def product_reviews_queryset(*, product: Product) -> QuerySet:
    """Visible reviews, newest first, photos prefetched (hidden ones are moderated away)."""
    return (
        Review.objects.filter(product=product, is_hidden=False)
        .prefetch_related("photos")
        .order_by("-created_at", "-id")
    )


def product_reviews_visible(*, product: Product, limit: int = REVIEWS_SHOWN) -> list[Review]:
    return list(product_reviews_queryset(product=product)[:limit])


def sku_for_scan_get(*, code: str) -> SKU | None:
    """The SKU a shelf QR code names, active or not (the landing explains withdrawn items)."""
    if not code_is_plausible(code):
        return None
    return SKU.objects.select_related("product").filter(code=code).first()


def sku_by_code_or_barcode(text: str) -> SKU | None:
    """The SKU whose code or barcode is `text` (typed at the desk, or the maker's barcode
    scanned), with its product; None for anything else."""
    if not code_is_plausible(text):
        return None
    return (
        SKU.objects.select_related("product")
        .filter(Q(code=text) | Q(barcode=text))
        .order_by("pk")
        .first()
    )


def products_new_arrivals(*, limit: int = 10) -> list[Product]:
    since = timezone.localdate() - timedelta(days=NEW_ARRIVAL_DAYS)
    return list(
        product_tiles()
        .filter(new_arrival_date__gte=since)
        .order_by("-new_arrival_date", "name")[:limit]
    )


@dataclass
class CategoryNode:
    category: Category
    children: list["CategoryNode"] = field(default_factory=list)

    def descendant_ids(self) -> list[int]:
        ids = [self.category.pk]
        for child in self.children:
            ids.extend(child.descendant_ids())
        return ids


def category_tree() -> list[CategoryNode]:
    """The active category tree, read in one query and assembled in memory (it is small).

    A child whose parent is inactive is hidden with it: shoppers should not reach a branch HQ
    switched off.
    """
    categories = list(Category.objects.filter(is_active=True).order_by("position", "name"))
    nodes = {category.pk: CategoryNode(category) for category in categories}
    roots = []
    for category in categories:
        node = nodes[category.pk]
        if category.parent_id is None:
            roots.append(node)
        elif category.parent_id in nodes:
            nodes[category.parent_id].children.append(node)
    return roots


def category_node_find(tree: list[CategoryNode], slug: str) -> tuple[CategoryNode | None, list]:
    """The node for `slug` and its ancestors (for breadcrumbs), searching the in-memory tree."""
    stack = [(node, []) for node in tree]
    while stack:
        node, ancestors = stack.pop()
        if node.category.slug == slug:
            return node, ancestors
        stack.extend((child, [*ancestors, node.category]) for child in node.children)
    return None, []
