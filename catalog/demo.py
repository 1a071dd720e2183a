"""Demo catalog: categories, ~60 products with SKUs, drawn images, outfit matching and reviews.

Deterministic (one seeded random generator, a fixed plan) and idempotent (everything is found
or created by its code), so `seed_demo` can run on every start. Images are drawn locally with
Pillow; nothing is downloaded.
"""

import io
import random
from dataclasses import dataclass, field
from datetime import timedelta

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw, ImageOps

from catalog.demo_data import (
    CATEGORY_RGB,
    CATEGORY_TREE,
    CLOTHING_COLORS,
    COLOR_RGB,
    DISPLAY_NAMES,
    HIDDEN_REVIEW_TEXT,
    LIP_SHADES,
    PRODUCT_LINES,
    REVIEW_TEXTS,
    SHADE_RGB,
)
from catalog.labels import label_font
from catalog.models import SKU, Category, Product, Review
from catalog.services import product_image_add

SEED = 2026
IMAGE_SIDE = 800


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
    for slug, prefix, shape, (low, high), products in PRODUCT_LINES:
        for index, (name, brand) in enumerate(products, start=1):
            code = f"{prefix}-{index:02d}"
            base_price = rng.randint(low // 10, high // 10) * 1000 - 100  # ¥x9.00 price points
            plan = ProductPlan(
                code=code,
                name=name,
                brand=brand,
                category_slug=slug,
                root_slug=roots[slug],
                shape=shape,
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


def _background(rgb, side=IMAGE_SIDE) -> Image.Image:
    light = tuple(min(255, channel + 40) for channel in rgb)
    dark = tuple(max(0, channel - 25) for channel in rgb)
    gradient = Image.linear_gradient("L").resize((side, side))
    return ImageOps.colorize(gradient, light, dark)


def _draw_shape(draw, shape: str, fill, outline):
    if shape == "shirt":
        points = [
            (250, 200),
            (330, 170),
            (400, 210),
            (470, 170),
            (550, 200),
            (660, 320),
            (590, 390),
            (540, 340),
            (540, 620),
            (260, 620),
            (260, 340),
            (210, 390),
            (140, 320),
        ]
        draw.polygon(points, fill=fill, outline=outline, width=6)
    elif shape == "bottle":
        draw.rounded_rectangle((340, 150, 460, 240), radius=14, fill=outline)
        draw.rounded_rectangle((280, 230, 520, 620), radius=48, fill=fill, outline=outline, width=6)
    elif shape == "lipstick":
        draw.polygon([(350, 200), (450, 160), (450, 330), (350, 330)], fill=fill)
        draw.rectangle((335, 320, 465, 420), fill=(212, 175, 90))
        draw.rounded_rectangle((320, 410, 480, 620), radius=16, fill=(40, 40, 44))
    elif shape == "can":
        draw.ellipse((270, 170, 530, 240), fill=outline)
        draw.rectangle((270, 205, 530, 590), fill=fill, outline=outline, width=6)
        draw.ellipse((270, 555, 530, 625), fill=fill, outline=outline, width=6)
        draw.rectangle((290, 330, 510, 450), fill=(255, 255, 255))
    else:  # pack of diapers
        draw.rounded_rectangle((220, 200, 580, 620), radius=36, fill=fill, outline=outline, width=6)
        draw.ellipse((330, 300, 470, 440), fill=(255, 255, 255))


def demo_image(plan: ProductPlan, color: str, variant: int) -> ContentFile:
    """A square JPEG: a gradient in the item's color, a silhouette and the product name."""
    rgb = COLOR_RGB.get(color) or (
        SHADE_RGB[LIP_SHADES.index(color)] if color in LIP_SHADES else None
    )
    background = (
        CATEGORY_RGB.get(plan.root_slug, (226, 230, 234)) if variant == 0 or not rgb else rgb
    )
    image = _background(background if variant == 0 else tuple(c // 2 + 110 for c in background))
    draw = ImageDraw.Draw(image)
    fill = rgb or (255, 255, 255)
    outline = tuple(max(0, c - 60) for c in fill)
    _draw_shape(draw, plan.shape, fill, outline)
    font = label_font(44)
    text = plan.name if len(plan.name) <= 14 else plan.name[:13] + "…"
    width = draw.textlength(text, font=font)
    draw.rounded_rectangle((60, 660, 740, 760), radius=20, fill=(255, 255, 255))
    draw.text(((IMAGE_SIDE - width) / 2, 682), text, font=font, fill=(40, 40, 40))
    brand_font = label_font(30)
    draw.text((60, 60), plan.brand, font=brand_font, fill=(70, 70, 70))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=80)
    return ContentFile(buffer.getvalue(), name=f"{plan.code}-{variant + 1}.jpg")


def _categories() -> tuple[dict[str, Category], int]:
    created = 0
    by_slug = {}
    for position, (slug, name, children) in enumerate(CATEGORY_TREE):
        root, made = Category.objects.get_or_create(
            slug=slug, defaults={"name": name, "position": position}
        )
        created += made
        by_slug[slug] = root
        for child_position, (child_slug, child_name) in enumerate(children):
            child, made = Category.objects.get_or_create(
                slug=child_slug,
                defaults={"name": child_name, "parent": root, "position": child_position},
            )
            created += made
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
