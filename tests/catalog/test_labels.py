import re

import pytest
import zxingcpp
from django.test import override_settings

from catalog.labels import COLUMNS, PAGE_SIZE, ROWS, label_sheet_pages, label_sheet_pdf
from tests.catalog.factories import CategoryFactory, ProductFactory, SKUFactory

pytestmark = pytest.mark.django_db
SITE = "https://shop.example.cn"


def decoded_urls(pages) -> list[str]:
    return sorted(result.text for page in pages for result in zxingcpp.read_barcodes(page))


def expected_urls(skus, store) -> list[str]:
    return sorted(f"{SITE}/q/{sku.code}?s={store.code}" for sku in skus)


@override_settings(SITE_URL=SITE)
def test_every_label_of_a_category_decodes_to_its_sku_and_the_store(store):
    women = CategoryFactory(name="女装")
    knitwear = CategoryFactory(name="针织", parent=women)
    product = ProductFactory(
        category=knitwear, name="羊毛混纺圆领针织衫（加厚款）", base_price=39900
    )
    skus = [
        SKUFactory(product=product, color=color, size=size)
        for color in ("黑色", "燕麦色")
        for size in ("S", "M", "L", "XL")
    ]
    SKUFactory(product=product, color="藏青", size="M", is_active=False)
    SKUFactory(product=ProductFactory(name="别的类目"))

    pages = label_sheet_pages(store=store, category=women)

    assert len(pages) == 1 and pages[0].size == PAGE_SIZE
    assert decoded_urls(pages) == expected_urls(skus, store)


@override_settings(SITE_URL=SITE)
def test_selected_skus_fill_several_pages_and_the_pdf_has_as_many(store):
    count = COLUMNS * ROWS + 3
    skus = [SKUFactory(price_override=1990 + n) for n in range(count)]

    pages = label_sheet_pages(store=store, skus=skus)
    pdf = label_sheet_pdf(store=store, skus=skus)

    assert len(pages) == 2
    assert decoded_urls(pages) == expected_urls(skus, store)
    assert pdf.startswith(b"%PDF")
    assert re.search(rb"/Count (\d+)", pdf).group(1) == b"2"


def test_nothing_to_print_still_gives_a_valid_one_page_pdf(store):
    pdf = label_sheet_pdf(store=store, skus=[])

    assert pdf.startswith(b"%PDF")
    assert re.search(rb"/Count (\d+)", pdf).group(1) == b"1"
