"""factory_boy factories for the catalog; other apps' tests import them."""

import io

import factory
from django.core.files.base import ContentFile
from PIL import Image

from catalog.models import SKU, Category, Product, ProductImage, Review, ReviewPhoto


def image_file(name="photo.jpg", *, size=(600, 450), color=(200, 120, 90)) -> ContentFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="JPEG")
    return ContentFile(buffer.getvalue(), name=name)


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    name = factory.Sequence(lambda n: f"类目{n}")
    slug = factory.Sequence(lambda n: f"category-{n}")


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    code = factory.Sequence(lambda n: f"p{n:04d}")
    name = factory.Sequence(lambda n: f"纯棉T恤 {n}")
    brand = "素言"
    category = factory.SubFactory(CategoryFactory)
    base_price = 19900
    description = "柔软亲肤，四季可穿。"


class SKUFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SKU

    product = factory.SubFactory(ProductFactory)
    code = factory.Sequence(lambda n: f"sku-{n:05d}")
    color = "黑色"
    size = factory.Sequence(lambda n: f"S{n}")
    barcode = None


class ProductImageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductImage

    product = factory.SubFactory(ProductFactory)
    image = factory.LazyFunction(image_file)
    thumbnail = factory.LazyFunction(lambda: image_file("thumb.jpg", size=(400, 400)))


class ReviewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Review

    product = factory.SubFactory(ProductFactory)
    display_name = "小雨***"
    rating = 5
    text = "很好看，尺码标准。"


class ReviewPhotoFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReviewPhoto

    review = factory.SubFactory(ReviewFactory)
    image = factory.LazyFunction(image_file)
