"""Demo catalog: categories, ~60 products with SKUs, drawn images, outfit matching and reviews.

Deterministic (one seeded random generator, a fixed plan) and idempotent (everything is found
or created by its code), so `seed_demo` can run on every start. Images are drawn locally with
Pillow (catalog/demo_images.py), each product with the silhouette of what it is.
"""

import random
from dataclasses import dataclass, field
from datetime import timedelta

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from catalog.demo_data import (
    CATEGORY_RGB,
    CATEGORY_TREE,
    CLOTHING_COLORS,
    COLOR_RGB,
    DISPLAY_NAMES,
    HIDDEN_REVIEW_TEXT,
    LIP_SHADES,
    OPTION_LABELS,
    PRODUCT_LINES,
    REVIEW_TEXTS,
    SHADE_RGB,
)
from catalog.demo_images import product_picture
from catalog.models import SKU, Category, Product, Review
from catalog.services import product_image_add

SEED = 2026


@dataclass
class SkuPlan:
    code: str
    color: str
    size: str
    barcode: str
    price_override: int | None
    is_active: bool


@dataclass
class ProductPlan:
    code: str
    name: str
    brand: str
    category_slug: str
    root_slug: str
    shape: str
    base_price: int
    description: str
    new_arrival_days_ago: int | None
    consumption_days_per_unit: int | None
    skus: list[SkuPlan] = field(default_factory=list)
    reviews: list[tuple[str, int, str, bool, int]] = field(default_factory=list)


def ean13(twelve_digits: str) -> str:
    """Append the EAN-13 check digit: weights 1,3,1,3… from the left over 12 digits."""
    total = sum(int(digit) * (3 if index % 2 else 1) for index, digit in enumerate(twelve_digits))
    return twelve_digits + str((10 - total % 10) % 10)


def _variants(rng: random.Random, slug: str, base_price: int):
    """(color, size, price_override) for a product line; larger sizes sometimes cost more."""
    if slug in ("women", "men"):
        colors = rng.sample(CLOTHING_COLORS, rng.randint(2, 3))
        upcharge = rng.choice([None, 2000])
        return [
            (color, size, base_price + upcharge if upcharge and size == "XL" else None)
            for color in colors
            for size in ("S", "M", "L", "XL")
        ]
    if slug == "kids":
        colors = rng.sample(CLOTHING_COLORS, 2)
        return [(c, s, None) for c in colors for s in ("90", "100", "110", "120")]
    if slug == "skincare":
        return [("", "30ml", None), ("", "50ml", base_price * 3 // 2)]
    if slug == "makeup":
        return [(shade, "标准装", None) for shade in rng.sample(LIP_SHADES, 3)]
    if slug == "fragrance":
        return [
            ("", "30ml", None),
            ("", "50ml", base_price * 3 // 2),
            ("", "100ml", base_price * 2),
        ]
    if slug == "formula":
        return [(stage, "900g", None) for stage in ("1段", "2段", "3段")]
    if slug == "diapers":
        return [("", size, None) for size in ("S", "M", "L", "XL")]
    return [(color, "", None) for color in ("樱花粉", "雾霾蓝")]


def demo_catalog_plan() -> list[ProductPlan]:
    """The whole demo catalog as plain data: same input, same catalog, on every machine."""
    rng = random.Random(SEED)
    roots = {child: root for root, _name, children in CATEGORY_TREE for child, _ in children}
    plans, serial = [], 0
    for slug, prefix, line_shape, (low, high), products in PRODUCT_LINES:
        for index, (name, brand, *own_shape) in enumerate(products, start=1):
            code = f"{prefix}-{index:02d}"
            base_price = rng.randint(low // 10, high // 10) * 1000 - 100  # ¥x9.00 price points
            plan = ProductPlan(
                code=code,
                name=name,
                brand=brand,
                category_slug=slug,
                root_slug=roots[slug],
                shape=own_shape[0] if own_shape else line_shape,
                base_price=base_price,
                description=f"{brand}{name}。门店同款，支持到店自提与同城配送。",
                new_arrival_days_ago=rng.choice(
                    [rng.randint(0, 20), None, None, rng.randint(60, 200)]
                ),
                consumption_days_per_unit={"formula": 7, "diapers": 10}.get(slug),
            )
            variants = _variants(rng, slug, base_price)
            for number, (color, size, override) in enumerate(variants, start=1):
                serial += 1
                plan.skus.append(
                    SkuPlan(
                        code=f"{code}-{number}",
                        color=color,
                        size=size,
                        barcode=ean13(f"692026{serial:06d}"),
                        price_override=override,
                        # A withdrawn variant now and then, so pickers show crossed-out options.
                        is_active=not (len(variants) > 4 and number == len(variants)),
                    )
                )
            if index % 7 != 0:  # most products have reviews, a few have none yet
                texts = REVIEW_TEXTS[roots[slug]]
                for _ in range(rng.randint(2, 6)):
                    plan.reviews.append(
                        (
                            rng.choice(DISPLAY_NAMES) + "***",
                            rng.choice([5, 5, 5, 4, 4, 3, 2]),
                            rng.choice(texts),
                            rng.random() < 0.6,
                            rng.randint(1, 90),
                        )
                    )
            plans.append(plan)
    return plans


def demo_image(plan: ProductPlan, color: str, variant: int) -> ContentFile:
    """A square JPEG of the product: its silhouette in the item's color, its name and brand."""
    rgb = COLOR_RGB.get(color) or (
        SHADE_RGB[LIP_SHADES.index(color)] if color in LIP_SHADES else None
    )
    background = (
        CATEGORY_RGB.get(plan.root_slug, (226, 230, 234)) if variant == 0 or not rgb else rgb
    )
    return product_picture(
        shape=plan.shape,
        name=plan.name,
        brand=plan.brand,
        background=background if variant == 0 else tuple(c // 2 + 110 for c in background),
        fill=rgb or (255, 255, 255),
        file_name=f"{plan.code}-{variant + 1}.jpg",
    )


def _labels(slug: str) -> dict:
    color_label, size_label = OPTION_LABELS.get(slug, ("", ""))
    return {"color_label": color_label, "size_label": size_label}


def _labels_fill(category: Category) -> None:
    """A demo seeded before categories named their options gets the names now (blank only)."""
    labels = _labels(category.slug)
    if any(labels.values()) and not (category.color_label or category.size_label):
        Category.objects.filter(pk=category.pk).update(**labels)


def _categories() -> tuple[dict[str, Category], int]:
    created = 0
    by_slug = {}
    for position, (slug, name, children) in enumerate(CATEGORY_TREE):
        root, made = Category.objects.get_or_create(
            slug=slug, defaults={"name": name, "position": position, **_labels(slug)}
        )
        created += made
        _labels_fill(root)
        by_slug[slug] = root
        for child_position, (child_slug, child_name) in enumerate(children):
            child, made = Category.objects.get_or_create(
                slug=child_slug,
                defaults={
                    "name": child_name,
                    "parent": root,
                    "position": child_position,
                    **_labels(child_slug),
                },
            )
            created += made
            _labels_fill(child)
            by_slug[child_slug] = child
    return by_slug, created


@transaction.atomic
def seed_catalog() -> dict:
    """Create what is missing of the demo catalog; returns counts of what was created."""
    today = timezone.localdate()
    now = timezone.now()
    categories, categories_created = _categories()
    created = {
        "categories": categories_created,
        "products": 0,
        "skus": 0,
        "images": 0,
        "reviews": 0,
    }
    products = {}
    for plan in demo_catalog_plan():
        product, made = Product.objects.get_or_create(
            code=plan.code,
            defaults={
                "name": plan.name,
                "brand": plan.brand,
                "category": categories[plan.category_slug],
                "base_price": plan.base_price,
                "description": plan.description,
                "new_arrival_date": today - timedelta(days=plan.new_arrival_days_ago)
                if plan.new_arrival_days_ago is not None
                else None,
                "consumption_days_per_unit": plan.consumption_days_per_unit,
            },
        )
        created["products"] += made
        products[plan.code] = product
        for sku_plan in plan.skus:
            _sku, made = SKU.objects.get_or_create(
                code=sku_plan.code,
                defaults={
                    "product": product,
                    "color": sku_plan.color,
                    "size": sku_plan.size,
                    "barcode": sku_plan.barcode,
                    "price_override": sku_plan.price_override,
                    "is_active": sku_plan.is_active,
                },
            )
            created["skus"] += made
        if not product.images.exists():
            colors = list(dict.fromkeys(sku.color for sku in plan.skus)) or [""]
            for variant in range(2):
                color = colors[variant % len(colors)] if variant else ""
                product_image_add(
                    product=product,
                    image_file=demo_image(plan, color or colors[0], variant),
                    color=color,
                    position=variant,
                )
                created["images"] += 1
        if plan.reviews and not product.reviews.exists():
            for name, rating, text, verified, days_ago in plan.reviews:
                review = Review.objects.create(
                    product=product,
                    display_name=name,
                    rating=rating,
                    text=text,
                    verified_purchase=verified,
                )
                # created_at is auto_now_add; spread reviews over the last months afterwards.
                Review.objects.filter(pk=review.pk).update(
                    created_at=now - timedelta(days=days_ago)
                )
                created["reviews"] += 1
            if plan.code == "wom-01":
                Review.objects.create(
                    product=product,
                    display_name="营销号***",
                    rating=5,
                    text=HIDDEN_REVIEW_TEXT,
                    is_hidden=True,
                )
                created["reviews"] += 1

    # Outfit matching (搭配推荐): symmetrical, so adding both ways is never needed.
    outfits = [
        ("wom-01", "wom-02"),
        ("wom-01", "wom-08"),
        ("wom-03", "wom-04"),
        ("men-01", "men-05"),
        ("men-03", "men-08"),
        ("men-04", "men-05"),
        ("kid-01", "kid-05"),
    ]
    for first, second in outfits:
        products[first].goes_well_with.add(products[second])

    return {
        "created": created,
        "totals": {
            "categories": Category.objects.count(),
            "products": Product.objects.count(),
            "skus": SKU.objects.count(),
            "reviews": Review.objects.count(),
        },
    }
