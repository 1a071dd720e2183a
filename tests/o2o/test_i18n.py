"""Simplified Chinese is the default UI language; English is one switch away."""

import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.fixture
def chinese_default(settings):
    settings.LANGUAGE_CODE = "zh-hans"


def test_pages_speak_chinese_by_default(client, chinese_default):
    html = client.get("/stores/").content.decode()

    assert 'lang="zh-hans"' in html
    assert "首页" in html and "门店" in html


def test_a_chinese_phone_gets_chinese(client, chinese_default):
    html = client.get("/m/login/", HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9").content.decode()

    assert "手机号" in html


def test_the_language_switch_turns_english_on(client, chinese_default):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/stores/"})

    assert response.status_code == 302
    html = client.get("/stores/").content.decode()
    assert 'lang="en"' in html and "Stores" in html


def test_admin_models_are_named_in_chinese(admin_client, chinese_default):
    html = admin_client.get("/admin/").content.decode()

    assert "门店" in html and "商品" in html


# ---- the words a Chinese reader sees ------------------------------------------------------------

# English UI words that must never reach a zh-hans page (matched case-sensitively as whole words,
# so product codes and the lower-case status codes of the event log do not count).
UNTRANSLATED = [
    "Receipt",
    "Save",
    "Saved",
    "Paid",
    "To pay",
    "Total",
    "Order",
    "Order details",
    "Items",
    "Goods",
    "Refund",
    "Refunded",
    "Member",
    "Points",
    "Store",
    "Timeline",
    "Fulfillment",
    "Quantity",
    "Back",
    "Home",
    "Delete",
    "History",
    "Model name",
    "Add link",
    "Change or view list link",
]


class _VisibleText(HTMLParser):
    """Text a reader sees or hears: text nodes (not scripts or styles) and the attributes a
    screen reader or a button shows."""

    SPOKEN = {"aria-label", "placeholder", "title", "alt"}

    def __init__(self):
        super().__init__()
        self.parts, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in {"script", "style"}:
            self._skip += 1
        attrs = dict(attrs)
        self.parts += [value for name, value in attrs.items() if name in self.SPOKEN and value]
        if tag == "input" and attrs.get("type") in {"submit", "button"} and attrs.get("value"):
            self.parts.append(attrs["value"])

    def handle_endtag(self, tag):
        if tag in {"script", "style"} and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def visible_text(response) -> str:
    assert response.status_code == 200
    parser = _VisibleText()
    parser.feed(response.content.decode())
    return " ".join(" ".join(parser.parts).split())


def shopper_receipt(client, shop, django_user_model):
    from tests.orders.placing import pay, place
    from tests.orders.shopper_helpers import log_in

    order = pay(place(shop))
    log_in(client, shop.member)
    return [
        client.get(f"/orders/{order.number}/receipt/"),
        client.get(f"/orders/{order.number}/"),
    ]


def admin_change_form(client, shop, django_user_model):
    admin = django_user_model.objects.create_superuser("hq-zh", password="pw")
    client.force_login(admin)
    return [client.get(reverse("admin:catalog_product_change", args=[shop.product.pk]))]


def backoffice_unpaid_order(client, shop, django_user_model):
    from tests.orders.placing import place

    client.force_login(shop.manager.user)
    order = place(shop)  # waiting for the customer to pay on her phone
    return [client.get(reverse("orders_backoffice:detail", args=[order.number]))]


@pytest.mark.parametrize(
    ("page", "wrong_words"),
    [
        # "Receipt" of a shopper is a proof of purchase, not a stock receipt (入库).
        (shopper_receipt, ["入库"]),
        # The admin's "Save" is 保存; 收藏 is the shopper's favorite heart. Money is in ¥ (元).
        (admin_change_form, ["收藏", "（分）"]),
        # An order still waiting for payment is not paid.
        (backoffice_unpaid_order, ["入库", "已付款"]),
    ],
    ids=["shopper-receipt", "admin-change-form", "backoffice-unpaid-order"],
)
def test_chinese_pages_use_the_right_word_and_no_english(
    page, wrong_words, client, chinese_default, shop, django_user_model
):
    for response in page(client, shop, django_user_model):
        text = visible_text(response)

        assert [word for word in wrong_words if word in text] == [], text
        english = [word for word in UNTRANSLATED if re.search(rf"\b{re.escape(word)}\b", text)]
        assert english == [], text
