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

from catalog.demo_images import product_picture
from catalog.models import SKU, Category, Product, Review
from catalog.services import product_image_add

SEED = 2026

CATEGORY_TREE = [
    ("apparel", "服装", [("women", "女装"), ("men", "男装"), ("kids", "童装")]),
    ("beauty", "美妆", [("skincare", "护肤"), ("makeup", "彩妆"), ("fragrance", "香水")]),
    ("baby", "母婴", [("formula", "奶粉"), ("diapers", "纸尿裤"), ("feeding", "喂养用品")]),
]

# (category slug, code prefix, shape drawn on the image, base price range in yuan, products);
# a product may name its own shape (catalog/demo_images.py SHAPES) when the line's does not fit.
PRODUCT_LINES = [
    (
        "women",
        "wom",
        "tshirt",
        (129, 599),
        [
            ("羊毛混纺圆领针织衫", "素言", "sweater"),
            ("高腰阔腿西装裤", "素言", "trousers"),
            ("法式碎花连衣裙", "initial", "dress"),
            ("双面呢落肩大衣", "initial", "coat"),
            ("真丝质感衬衫", "素言", "shirt"),
            ("复古直筒牛仔裤", "Lee Cooper", "trousers"),
            ("轻薄羽绒马甲", "波司登", "vest"),
            ("百褶半身长裙", "initial", "skirt"),
        ],
    ),
    (
        "men",
        "men",
        "tshirt",
        (99, 699),
        [
            ("纯棉重磅短袖T恤", "海澜之家", "tshirt"),
            ("商务免烫长袖衬衫", "海澜之家", "shirt"),
            ("宽松连帽卫衣", "李宁", "hoodie"),
            ("抓绒立领夹克", "探路者", "coat"),
            ("弹力修身休闲裤", "GXG", "trousers"),
            ("90绒轻薄羽绒服", "波司登", "coat"),
            ("亚麻混纺休闲西装", "GXG", "coat"),
            ("速干运动短裤", "李宁", "shorts"),
        ],
    ),
    (
        "kids",
        "kid",
        "tshirt",
        (59, 299),
        [
            ("儿童纯棉家居服套装", "巴拉巴拉", "tshirt"),
            ("小童摇粒绒外套", "巴拉巴拉", "coat"),
            ("儿童防晒皮肤衣", "安奈儿", "hoodie"),
            ("女童公主纱裙", "安奈儿", "dress"),
            ("男童工装束脚裤", "巴拉巴拉", "trousers"),
            ("儿童保暖加绒卫衣", "361°儿童", "hoodie"),
            ("宝宝连体爬服", "好孩子", "romper"),
            ("儿童轻便运动鞋", "361°儿童", "shoe"),
        ],
    ),
    (
        "skincare",
        "skin",
        "bottle",
        (89, 499),
        [
            ("玻尿酸补水保湿精华液", "珀莱雅", "bottle"),
            ("烟酰胺焕亮面霜", "薇诺娜", "jar"),
            ("氨基酸温和洁面乳", "芙丽芳丝", "tube"),
            ("舒缓修护爽肤水", "薇诺娜", "bottle"),
            ("多肽紧致眼霜", "珀莱雅", "jar"),
            ("清透防晒乳 SPF50+", "安热沙", "tube"),
        ],
    ),
    (
        "makeup",
        "mkp",
        "lipstick",
        (79, 369),
        [
            ("丝绒哑光口红", "花西子", "lipstick"),
            ("持妆粉底液", "完美日记", "bottle"),
            ("十二色大地眼影盘", "完美日记", "palette"),
            ("细管极细眉笔", "花西子", "pencil"),
            ("柔焦定妆蜜粉", "卡姿兰", "compact"),
            ("纤长卷翘睫毛膏", "卡姿兰", "mascara"),
        ],
    ),
    (
        "fragrance",
        "frg",
        "perfume",
        (199, 899),
        [
            ("白茶淡香水", "观夏"),
            ("橙花清新淡香氛", "气味图书馆"),
            ("木质调中性香水", "观夏"),
            ("玫瑰晨露香水", "气味图书馆"),
            ("海盐鼠尾草古龙水", "野兽青年"),
            ("桂花乌龙香氛", "观夏"),
        ],
    ),
    (
        "formula",
        "fml",
        "can",
        (228, 468),
        [
            ("有机婴幼儿配方奶粉", "飞鹤"),
            ("A2蛋白婴儿配方奶粉", "a2"),
            ("羊奶粉婴幼儿配方", "佳贝艾特"),
            ("星飞帆幼儿配方奶粉", "飞鹤"),
            ("爱他美卓萃配方奶粉", "爱他美"),
            ("启赋蕴淳配方奶粉", "惠氏"),
        ],
    ),
    (
        "diapers",
        "dpr",
        "pack",
        (89, 189),
        [
            ("超薄透气纸尿裤", "花王"),
            ("夜用加厚纸尿裤", "帮宝适"),
            ("拉拉裤成长裤", "好奇"),
            ("皇家御裤纸尿裤", "好奇"),
            ("一级帮纸尿裤", "帮宝适"),
            ("婴儿学步裤", "大王"),
        ],
    ),
    (
        "feeding",
        "fed",
        "bottle",
        (49, 299),
        [
            ("宽口径玻璃奶瓶", "贝亲", "baby_bottle"),
            ("硅胶防胀气奶瓶", "可么多么", "baby_bottle"),
            ("婴儿辅食研磨碗", "爱得利", "bowl"),
            ("恒温调奶器", "小白熊", "kettle"),
            ("儿童吸管保温杯", "膳魔师", "cup"),
            ("婴儿湿巾 80抽×6包", "全棉时代", "pack"),
        ],
    ),
]

COLOR_RGB = {
    "黑色": (52, 52, 58),
    "白色": (236, 234, 228),
    "燕麦色": (214, 196, 168),
    "藏青": (38, 56, 92),
    "雾霾蓝": (140, 162, 184),
    "焦糖色": (176, 112, 64),
    "浅灰": (190, 192, 196),
    "樱花粉": (240, 190, 200),
    "橄榄绿": (120, 130, 80),
}
CLOTHING_COLORS = list(COLOR_RGB)
LIP_SHADES = ["#01 豆沙", "#02 正红", "#03 枫叶", "#04 奶茶"]
SHADE_RGB = [(178, 106, 104), (196, 32, 44), (160, 62, 40), (190, 140, 120)]
CATEGORY_RGB = {"beauty": (246, 220, 226), "baby": (214, 234, 246)}

DISPLAY_NAMES = ["小雨", "阿杰", "糖糖", "木子", "晴天", "大白", "Luna", "一只喵", "小鹿", "阿福"]
REVIEW_TEXTS = {
    "apparel": [
        "面料很舒服，版型也好看，尺码标准。",
        "颜色和图片一致，上身效果不错，推荐！",
        "做工精细，洗了两次没有起球。",
        "稍微有点偏大，建议拍小一码。",
        "门店试穿后网上下单，到店自提很方便。",
        "性价比高，已经回购第二件了。",
    ],
    "beauty": [
        "质地清爽不油腻，吸收很快。",
        "用了一周皮肤明显水润了。",
        "包装精美，送人很有面子。",
        "味道很淡雅，持久度一般。",
        "敏感肌用着没有刺激，会回购。",
    ],
    "baby": [
        "宝宝很爱喝，不上火。",
        "门店有货当天就拿到了，很及时。",
        "很柔软，宝宝屁屁没有红。",
        "日期很新鲜，囤货首选。",
        "导购很耐心，推荐的段数很合适。",
    ],
}
HIDDEN_REVIEW_TEXT = "加微信领大额优惠券！！！"


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
