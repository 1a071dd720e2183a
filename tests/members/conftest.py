"""Fixtures for the members tests. Each fixture is self-contained; add yours below."""

import secrets

import pytest

# The order tests' small shop, for members' features that show on shopper pages (favorites).
from tests.orders.conftest import shop  # noqa: F401


@pytest.fixture
def wechat_fake(settings):
    """A fake WeChat server (tests/wechat_fake.py) with every WeChat setting pointed at it.

    Each test gets its own app id, and wechatpy's token/ticket cache in Redis is cleared before
    and after, so no test sees another's access token or JS-SDK ticket.
    """
    from o2o.wechat import session_storage_clear
    from tests.wechat_fake import WeChatFake

    fake = WeChatFake(app_id=f"wxtest{secrets.token_hex(6)}", secret=secrets.token_hex(16))
    fake.start()
    settings.WECHAT_APP_ID = fake.app_id
    settings.WECHAT_APP_SECRET = fake.secret
    settings.WECHAT_TOKEN = f"token{secrets.token_hex(8)}"
    settings.WECHAT_AES_KEY = ""
    settings.WECHAT_API_BASE_URL = fake.api_base_url
    settings.WECHAT_OAUTH_BASE_URL = fake.oauth_base_url
    settings.WECHAT_PAY_BASE_URL = fake.pay_base_url
    settings.WECHAT_TEMPLATE_NOTICE = "TEMPLATE-NOTICE-1"
    settings.WECHAT_CONFIGURED = True
    session_storage_clear(fake.app_id)
    try:
        yield fake
    finally:
        session_storage_clear(fake.app_id)
        fake.stop()
