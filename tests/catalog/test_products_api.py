"""Products API (DESIGN §5): the ERP upserts products with their SKUs by code and lists them."""

import pytest

from catalog.models import SKU, Product
from o2o.models import IdempotencyRecord
from tests.api import token_client
from tests.catalog.factories import CategoryFactory

pytestmark = pytest.mark.django_db
UPSERT = "/api/v1/products/upsert/"


@pytest.fixture
def api(django_user_model):
    CategoryFactory(slug="women")
    return token_client(django_user_model.objects.create_user("erp", is_staff=True))


def dress(**changes):
    body = {
        "code": "dress-silk",
        "name": "真丝连衣裙",
        "category": "women",
        "base_price": 59900,
        "skus": [
            {"code": "dress-silk-s", "color": "黑色", "size": "S", "barcode": "6901234500011"},
            {"code": "dress-silk-m", "color": "黑色", "size": "M", "barcode": "6901234500028"},
            {"code": "dress-silk-l", "color": "黑色", "size": "L", "price_override": 62900},
        ],
    }
    return {**body, **changes}


def upsert(api, body, key=None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return api.post(UPSERT, body, format="json", **headers)


def test_the_same_upsert_twice_with_one_key_makes_one_product_and_another_body_is_409(api):
    first = upsert(api, dress(), key="erp-1")
    again = upsert(api, dress(), key="erp-1")
    other = upsert(api, dress(name="改名"), key="erp-1")

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert other.status_code == 409 and other.json()["code"] == "idempotency_key_reused"
    assert Product.objects.count() == 1
    assert list(SKU.objects.order_by("code").values_list("code", "price_override")) == [
        ("dress-silk-l", 62900),
        ("dress-silk-m", None),
        ("dress-silk-s", None),
    ]
    assert [s["price"] for s in first.json()["skus"]] == [59900, 59900, 62900]


def test_an_upsert_updates_by_code_and_keeps_skus_left_out(api):
    upsert(api, dress())

    response = upsert(
        api,
        dress(base_price=49900, skus=[{"code": "dress-silk-m", "is_active": False}]),
    )

    assert response.status_code == 200
    product = Product.objects.get()
    assert product.base_price == 49900
    assert SKU.objects.filter(product=product).count() == 3
    assert not SKU.objects.get(code="dress-silk-m").is_active
    assert SKU.objects.get(code="dress-silk-m").barcode == "6901234500028"  # not sent: kept


def test_a_sku_of_another_product_or_an_unknown_category_writes_nothing(api):
    upsert(api, dress())
    before = list(SKU.objects.values_list("code", "product_id"))

    stolen = upsert(api, dress(code="other", skus=[{"code": "dress-silk-s", "size": "XS"}]))
    barcode = upsert(
        api, dress(code="other", skus=[{"code": "other-s", "barcode": "6901234500011"}])
    )
    category = upsert(api, dress(code="other", category="nope"))

    assert (stolen.status_code, stolen.json()["code"]) == (409, "sku_conflict")
    assert (barcode.status_code, barcode.json()["code"]) == (409, "sku_conflict")
    assert (category.status_code, category.json()["code"]) == (400, "unknown_category")
    assert list(SKU.objects.values_list("code", "product_id")) == before
    assert not Product.objects.filter(code="other").exists()
    assert not IdempotencyRecord.objects.exists()


def test_products_page_by_cursor_each_once(api, django_assert_max_num_queries):
    for number in range(5):
        upsert(api, dress(code=f"p{number}", skus=[{"code": f"p{number}-s", "size": "S"}]))

    seen, url = [], "/api/v1/products/?limit=2"
    with django_assert_max_num_queries(20):
        while url:
            page = api.get(url).json()
            seen += [product["code"] for product in page["results"]]
            url = page["next"]

    assert seen == [f"p{number}" for number in range(5)]
    assert api.get("/api/v1/products/?cursor=bogus").status_code == 400
    assert api.get("/api/v1/products/p3/").json()["skus"][0]["code"] == "p3-s"
