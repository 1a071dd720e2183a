"""Notices reach the member's WeChat as a template message (members.tasks.send_wechat_notice)."""

import pytest

from members.services.accounts import member_create
from members.services.notices import notice_send
from members.tasks import send_wechat_notice
from tests.wechat_fake import error

pytestmark = pytest.mark.django_db

TEMPLATE_SEND = "/cgi-bin/message/template/send"


@pytest.fixture
def member():
    return member_create(openid="o-nina", nickname="Nina")


def a_notice(member, **extra):
    fields = {
        "kind": "order_ready",
        "title": "Your order is ready for pickup",
        "body": "Order 2611220001 at Jing'an store",
        "url": "/m/orders/2611220001/",
        "dedupe_key": "order_ready:2611220001",
        **extra,
    }
    return notice_send(member=member, **fields)


def test_a_notice_is_queued_after_commit_and_sent_to_her_openid(
    member, wechat_fake, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://shop.example.com"
    with django_capture_on_commit_callbacks(execute=False) as queued:
        notice = a_notice(member)
    assert len(queued) == 1  # the task goes out only once the notice is committed

    assert send_wechat_notice(notice.pk) is True

    [sent] = wechat_fake.sent_templates()
    assert sent["touser"] == "o-nina"
    assert sent["template_id"] == settings.WECHAT_TEMPLATE_NOTICE
    assert sent["url"] == "https://shop.example.com/m/orders/2611220001/"
    assert sent["data"]["first"]["value"] == "Your order is ready for pickup"
    assert sent["data"]["remark"]["value"] == "Order 2611220001 at Jing'an store"
    call = wechat_fake.calls(TEMPLATE_SEND)[0]
    assert call.query["access_token"] in wechat_fake.access_tokens


def test_a_member_without_openid_gets_no_wechat_message(wechat_fake):
    notice = a_notice(member_create(phone="13800138000"))
    assert send_wechat_notice(notice.pk) is False
    assert not wechat_fake.calls(TEMPLATE_SEND)


def test_without_a_template_nothing_is_sent(member, wechat_fake, settings):
    settings.WECHAT_TEMPLATE_NOTICE = ""
    assert send_wechat_notice(a_notice(member).pk) is False
    assert not wechat_fake.calls(TEMPLATE_SEND)


def test_a_missing_notice_is_logged_not_raised(wechat_fake, caplog):
    assert send_wechat_notice(987654321) is False
    assert "no such notice" in caplog.text


def test_a_temporary_failure_is_retried_until_wechat_takes_it(member, wechat_fake):
    notice = a_notice(member)
    wechat_fake.fail_next("POST", TEMPLATE_SEND, error(-1, "system error"), times=2)

    # apply() runs the task as a worker would, retries included (without the countdown).
    result = send_wechat_notice.apply(args=[notice.pk])

    assert result.get() is True
    assert len(wechat_fake.calls(TEMPLATE_SEND)) == 3


def test_retries_give_up_with_a_log_line_not_an_exception(member, wechat_fake, caplog):
    notice = a_notice(member)
    wechat_fake.fail_next("POST", TEMPLATE_SEND, error(45009, "reach max api daily quota"), 10)

    result = send_wechat_notice.apply(args=[notice.pk])

    assert result.get() is False
    assert len(wechat_fake.calls(TEMPLATE_SEND)) == send_wechat_notice.max_retries + 1
    assert "not sent after 6 tries" in caplog.text


def test_she_unsubscribed_is_not_retried(member, wechat_fake, caplog):
    notice = a_notice(member)
    wechat_fake.fail_next("POST", TEMPLATE_SEND, error(43004, "require subscribe"), 10)

    assert send_wechat_notice.apply(args=[notice.pk]).get() is False
    assert len(wechat_fake.calls(TEMPLATE_SEND)) == 1


def test_a_direct_call_never_raises(member, wechat_fake):
    notice = a_notice(member)
    wechat_fake.stop()  # WeChat unreachable
    assert send_wechat_notice(notice.pk) is False
