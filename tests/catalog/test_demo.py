import itertools

import pytest
from PIL import Image, ImageChops, ImageDraw

from catalog.demo import demo_catalog_plan, ean13, seed_catalog
from catalog.demo_images import SHAPES, shape_draw
from catalog.models import SKU, Category, Product, ProductImage, Review
from catalog.presenters import option_labels

pytestmark = pytest.mark.django_db


def test_ean13_check_digit():
    assert ean13("400638133393") == "4006381333931"
    assert ean13("692026000001")[-1] == str(
        (10 - sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate("692026000001")) % 10) % 10
    )


def test_the_plan_is_the_same_every_time():
    assert demo_catalog_plan() == demo_catalog_plan()


def test_seed_catalog_creates_a_believable_catalog_once():
    first = seed_catalog()
    snapshot = sorted(SKU.objects.values_list("code", "barcode", "color", "size", "price_override"))
    second = seed_catalog()

    assert first["created"]["products"] == Product.objects.count() >= 55
    assert second["created"] == {key: 0 for key in first["created"]}
    assert (
        sorted(SKU.objects.values_list("code", "barcode", "color", "size", "price_override"))
        == snapshot
    )
    assert Category.objects.filter(parent=None).count() == 3
    assert ProductImage.objects.count() == 2 * Product.objects.count()
    assert Review.objects.filter(is_hidden=True).count() == 1
    assert Product.objects.filter(consumption_days_per_unit=7).exists()
    for barcode in SKU.objects.values_list("barcode", flat=True):
        assert len(barcode) == 13 and ean13(barcode[:12]) == barcode
    image = ProductImage.objects.first()
    with Image.open(image.thumbnail) as thumbnail:
        assert thumbnail.size == (400, 400)
    assert Product.objects.get(code="wom-01").goes_well_with.count() == 2


def test_demo_pickers_are_named_for_what_each_category_sells():
    seed_catalog()
    Category.objects.filter(slug="formula").update(color_label="", size_label="")
    seed_catalog()  # a demo seeded before categories named their options gets the names

    def labels_of(slug):
        product = Product.objects.select_related("category__parent__parent").filter(
            category__slug=slug
        )[0]
        return option_labels(product.category)

    assert labels_of("formula") == ("段数", "规格")  # 1段/2段/3段 × 900g
    assert labels_of("makeup") == ("色号", "规格")
    assert labels_of("fragrance")[1] == "容量"
    assert labels_of("women") == labels_of("diapers") == ("Color", "Size")


# What a demo product's name says it is → the silhouette its picture must show.
NAMED_SHAPES = [
    ("针织衫", "sweater"),
    ("运动鞋", "shoe"),
    ("T恤", "tshirt"),
    ("衬衫", "shirt"),
    ("卫衣", "hoodie"),
    ("连衣裙", "dress"),
    ("纱裙", "dress"),
    ("半身长裙", "skirt"),
    ("短裤", "shorts"),
    ("牛仔裤", "trousers"),
    ("西装裤", "trousers"),
    ("休闲裤", "trousers"),
    ("束脚裤", "trousers"),
    ("马甲", "vest"),
    ("大衣", "coat"),
    ("羽绒服", "coat"),
    ("夹克", "coat"),
    ("外套", "coat"),
    ("爬服", "romper"),
    ("口红", "lipstick"),
    ("眼影盘", "palette"),
    ("眉笔", "pencil"),
    ("睫毛膏", "mascara"),
    ("奶瓶", "baby_bottle"),
    ("奶粉", "can"),
    ("纸尿裤", "pack"),
    ("香水", "perfume"),
]


def test_each_demo_picture_shows_what_the_product_is():
    plans = demo_catalog_plan()

    assert {plan.shape for plan in plans} <= set(SHAPES)
    wrong = [
        (plan.name, plan.shape)
        for plan in plans
        for word, shape in NAMED_SHAPES
        if word in plan.name and plan.shape != shape
    ]
    assert wrong == []
    t_shirts = {plan.name for plan in plans if plan.shape == "tshirt"}
    assert t_shirts == {"纯棉重磅短袖T恤", "儿童纯棉家居服套装"}


def drawing(shape: str) -> Image.Image:
    """The shape alone, drawn in two greys on black."""
    image = Image.new("RGB", (800, 800), (0, 0, 0))
    shape_draw(ImageDraw.Draw(image), shape, (200, 200, 200), (120, 120, 120))
    return image.convert("L")


def painted(image: Image.Image) -> Image.Image:
    return image.point(lambda value: 255 if value else 0)


def test_every_shape_draws_its_own_picture():
    drawings = {shape: drawing(shape) for shape in SHAPES}
    for first, second in itertools.combinations(drawings, 2):
        differing = painted(ImageChops.difference(drawings[first], drawings[second]))
        assert differing.histogram()[255] > 0.02 * 800 * 800, (first, second)

    left, top, right, bottom = painted(drawings["shoe"]).getbbox()
    assert right - left > 2 * (bottom - top)  # a shoe is long and low
    trousers = painted(drawings["trousers"])
    assert trousers.getpixel((300, 600)) and trousers.getpixel((500, 600))
    assert not trousers.getpixel((400, 600))  # two legs
    cuff = (180, 540)  # a long sleeve reaches down here, a short one does not
    assert drawings["sweater"].getpixel(cuff) and not drawings["tshirt"].getpixel(cuff)
