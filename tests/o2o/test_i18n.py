"""Simplified Chinese is the default UI language; English is one switch away."""

import pytest

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
