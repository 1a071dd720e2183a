"""/wechat/callback: WeChat's URL check and its subscribe / SCAN events (DESIGN §5, §4 Attribution),
and what it refuses: unreadable messages, stale requests and replayed nonces (DESIGN §4 Trust).

Messages are WeChat's XML, signed with wechatpy's own signer (plain mode) or wrapped with
wechatpy's WeChatCrypto (safe mode), exactly as WeChat's servers send them.
"""

import base64
import os
import secrets
import time

import pytest
import xmltodict
from wechatpy.crypto import WeChatCrypto
from wechatpy.utils import WeChatSigner

from members.models import (
    BindingChange,
    ClerkPointsEntry,
    LoyaltyPolicy,
    Member,
    PointsEntry,
    WeChatEvent,
)
from tests.stores.factories import StaffFactory, StoreFactory

pytestmark = pytest.mark.django_db

URL = "/wechat/callback"
ACCOUNT = "gh_0123456789ab"


@pytest.fixture
def wechat(settings):
    settings.WECHAT_APP_ID = f"wxtest{secrets.token_hex(6)}"
    settings.WECHAT_APP_SECRET = "secret"
    settings.WECHAT_TOKEN = f"token{secrets.token_hex(6)}"
    settings.WECHAT_AES_KEY = ""
    settings.WECHAT_CONFIGURED = True
    settings.SITE_URL = "https://shop.example.com"
    return settings


def sign(token, timestamp, nonce):
    signer = WeChatSigner()
    signer.add_data(token, timestamp, nonce)
    return signer.signature


def signed_query(settings, **extra):
    timestamp, nonce = str(int(time.time())), secrets.token_hex(5)
    return {
        "signature": sign(settings.WECHAT_TOKEN, timestamp, nonce),
        "timestamp": timestamp,
        "nonce": nonce,
        **extra,
    }


def event_xml(openid, event, key="", create_time=None):
    create_time = create_time or int(time.time())
    key_node = f"<EventKey><![CDATA[{key}]]></EventKey>" if key else ""
    ticket = "<Ticket><![CDATA[gQH-ticket]]></Ticket>" if key else ""
    return (
        f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName>"
        f"<FromUserName><![CDATA[{openid}]]></FromUserName>"
        f"<CreateTime>{create_time}</CreateTime>"
        f"<MsgType><![CDATA[event]]></MsgType>"
        f"<Event><![CDATA[{event}]]></Event>{key_node}{ticket}</xml>"
    )


def post_plain(client, settings, xml, query=None):
    query = query or signed_query(settings)
    return client.post(
        f"{URL}?{'&'.join(f'{k}={v}' for k, v in query.items())}",
        data=xml,
        content_type="text/xml",
    )


def reply_of(response) -> dict:
    return xmltodict.parse(response.content.decode())["xml"]


def counts():
    return {
        "members": Member.objects.count(),
        "points": PointsEntry.objects.count(),
        "clerk_points": ClerkPointsEntry.objects.count(),
        "binding_changes": BindingChange.objects.count(),
        "events": WeChatEvent.objects.count(),
    }


@pytest.fixture
def clerk():
    return StaffFactory(staff_code="anna", store=StoreFactory(code="jingan"))


@pytest.fixture
def other_clerk():
    return StaffFactory(staff_code="bella", store=StoreFactory(code="xuhui"))


class TestUrlCheck:
    def test_echo_with_a_good_signature(self, client, wechat):
        query = signed_query(wechat, echostr="echo-1234567890")
        response = client.get(URL, query)
        assert response.status_code == 200
        assert response.content == b"echo-1234567890"

    def test_echo_with_a_bad_signature_is_refused(self, client, wechat):
        query = signed_query(wechat, echostr="echo-1")
        query["signature"] = "0" * 40
        response = client.get(URL, query)
        assert response.status_code == 403
        assert b"echo-1" not in response.content

    def test_without_a_token_nothing_verifies(self, client, wechat):
        # With an empty token the signature is sha1(timestamp, nonce): anyone could compute it.
        wechat.WECHAT_TOKEN = ""
        query = signed_query(wechat, echostr="echo-1")
        assert client.get(URL, query).status_code == 403

    def test_other_methods_are_not_allowed(self, client, wechat):
        assert client.put(URL).status_code == 405


class TestClerkScan:
    def test_first_scan_makes_her_a_member_bound_to_the_clerk(self, client, wechat, clerk):
        response = post_plain(
            client, wechat, event_xml("o-alice", "subscribe", "qrscene_clerk:anna")
        )

        assert response.status_code == 200
        member = Member.objects.get(openid="o-alice")
        assert member.joined_via == Member.JoinedVia.CLERK_QR
        assert member.bound_clerk == clerk
        assert member.home_store == clerk.store
        policy = LoyaltyPolicy.current()
        assert member.points_balance == policy.scan_points_member
        assert list(ClerkPointsEntry.objects.values_list("staff_id", "delta")) == [
            (clerk.pk, policy.scan_points_clerk)
        ]
        reply = reply_of(response)
        assert reply["MsgType"] == "text"
        assert reply["ToUserName"] == "o-alice"
        assert reply["FromUserName"] == ACCOUNT
        assert "https://shop.example.com/" in reply["Content"]
        assert "https://shop.example.com/m/card/" in reply["Content"]
        assert clerk.display_name in reply["Content"]

    def test_a_second_clerk_does_not_take_her_under_first_touch(
        self, client, wechat, clerk, other_clerk
    ):
        post_plain(client, wechat, event_xml("o-alice", "subscribe", "qrscene_clerk:anna"))
        before = counts()

        response = post_plain(client, wechat, event_xml("o-alice", "SCAN", "clerk:bella"))

        assert response.status_code == 200
        member = Member.objects.get(openid="o-alice")
        assert member.bound_clerk == clerk
        assert member.home_store == clerk.store
        # Scan points are for her first clerk scan only: nothing for the second clerk.
        assert not ClerkPointsEntry.objects.filter(staff=other_clerk).exists()
        assert counts() == {**before, "events": before["events"] + 1}

    def test_a_second_clerk_takes_her_under_last_touch(self, client, wechat, clerk, other_clerk):
        LoyaltyPolicy.objects.update_or_create(
            pk=1, defaults={"binding_policy": LoyaltyPolicy.BindingPolicy.LAST_TOUCH}
        )
        post_plain(client, wechat, event_xml("o-alice", "subscribe", "qrscene_clerk:anna"))

        post_plain(client, wechat, event_xml("o-alice", "SCAN", "clerk:bella"))

        member = Member.objects.get(openid="o-alice")
        assert member.bound_clerk == other_clerk
        assert member.home_store == clerk.store  # the home store is set once
        change = member.binding_changes.filter(to_clerk=other_clerk).get()
        assert change.reason == BindingChange.Reason.LAST_TOUCH
        assert change.from_clerk == clerk
        assert change.source == "wechat:scan"
        assert member.points_balance == LoyaltyPolicy.current().scan_points_member

    def test_a_replayed_event_changes_nothing(self, client, wechat, clerk):
        xml = event_xml("o-alice", "subscribe", "qrscene_clerk:anna", create_time=1700000000)
        first = post_plain(client, wechat, xml)
        before = counts()

        again = post_plain(client, wechat, xml)

        assert again.status_code == 200
        assert counts() == before
        assert reply_of(again)["Content"] == reply_of(first)["Content"]

    def test_a_scan_of_an_existing_follower_binds_her(self, client, wechat, clerk):
        post_plain(client, wechat, event_xml("o-alice", "subscribe"))
        member = Member.objects.get(openid="o-alice")
        assert member.bound_clerk is None and member.joined_via == Member.JoinedVia.ORGANIC

        post_plain(client, wechat, event_xml("o-alice", "SCAN", "clerk:anna"))

        member.refresh_from_db()
        assert member.bound_clerk == clerk
        assert member.points_balance == LoyaltyPolicy.current().scan_points_member

    def test_an_unknown_clerk_code_makes_a_member_but_binds_no_one(self, client, wechat, caplog):
        response = post_plain(
            client, wechat, event_xml("o-alice", "subscribe", "qrscene_clerk:nobody")
        )

        assert response.status_code == 200
        member = Member.objects.get(openid="o-alice")
        assert member.bound_clerk is None and member.home_store is None
        assert not PointsEntry.objects.exists()
        assert "unknown clerk code 'nobody'" in caplog.text

    def test_an_inactive_clerk_binds_no_one(self, client, wechat, clerk):
        clerk.is_active = False
        clerk.save(update_fields=["is_active"])

        post_plain(client, wechat, event_xml("o-alice", "subscribe", "qrscene_clerk:anna"))

        member = Member.objects.get(openid="o-alice")
        assert member.bound_clerk is None
        assert not ClerkPointsEntry.objects.exists()


class TestStoreScan:
    def test_a_store_code_sets_the_home_store_without_a_clerk(self, client, wechat):
        store = StoreFactory(code="pudong")

        post_plain(client, wechat, event_xml("o-bob", "subscribe", "qrscene_store:pudong"))

        member = Member.objects.get(openid="o-bob")
        assert member.joined_via == Member.JoinedVia.STORE_QR
        assert member.home_store == store
        assert member.bound_clerk is None
        assert not PointsEntry.objects.exists()

    def test_a_later_store_scan_keeps_the_first_home_store(self, client, wechat):
        first, _second = StoreFactory(code="pudong"), StoreFactory(code="minhang")
        post_plain(client, wechat, event_xml("o-bob", "subscribe", "qrscene_store:pudong"))

        post_plain(client, wechat, event_xml("o-bob", "SCAN", "store:minhang"))

        assert Member.objects.get(openid="o-bob").home_store == first


class TestRefused:
    def test_a_bad_signature_is_refused_and_changes_nothing(self, client, wechat, clerk, caplog):
        query = signed_query(wechat)
        query["signature"] = sign("not-the-token", query["timestamp"], query["nonce"])
        before = counts()

        response = post_plain(
            client, wechat, event_xml("o-mallory", "subscribe", "qrscene_clerk:anna"), query
        )

        assert response.status_code == 403
        assert counts() == before
        assert "WeChat callback refused" in caplog.text

    def test_malformed_xml_is_a_bad_request(self, client, wechat):
        response = post_plain(client, wechat, "<xml><FromUserName>o-x</FromUserName")
        assert response.status_code == 400
        assert not WeChatEvent.objects.exists()

    def test_xml_that_is_not_a_message_is_a_bad_request(self, client, wechat):
        assert post_plain(client, wechat, "<html><body/></html>").status_code == 400

    def test_other_messages_are_acknowledged(self, client, wechat):
        xml = (
            f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName>"
            "<FromUserName><![CDATA[o-alice]]></FromUserName><CreateTime>1700000000</CreateTime>"
            "<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[hi]]></Content>"
            "<MsgId>1234567890123456</MsgId></xml>"
        )
        response = post_plain(client, wechat, xml)
        assert response.status_code == 200
        assert response.content == b"success"
        assert not Member.objects.exists()


class TestSafeMode:
    @pytest.fixture
    def crypto(self, wechat):
        wechat.WECHAT_AES_KEY = base64.b64encode(os.urandom(32)).decode()[:-1]
        return WeChatCrypto(wechat.WECHAT_TOKEN, wechat.WECHAT_AES_KEY, wechat.WECHAT_APP_ID)

    def post_encrypted(
        self, client, wechat, crypto, xml, *, tamper=False, timestamp=None, nonce=None
    ):
        timestamp = timestamp or str(int(time.time()))
        nonce = nonce or secrets.token_hex(5)
        envelope = crypto.encrypt_message(xml, nonce, timestamp)
        msg_signature = xmltodict.parse(envelope)["xml"]["MsgSignature"]
        if tamper:
            msg_signature = "0" * 40
        query = {
            "signature": sign(wechat.WECHAT_TOKEN, timestamp, nonce),
            "timestamp": timestamp,
            "nonce": nonce,
            "encrypt_type": "aes",
            "msg_signature": msg_signature,
        }
        return post_plain(client, wechat, envelope, query)

    def test_encrypted_event_and_encrypted_reply(self, client, wechat, crypto, clerk):
        response = self.post_encrypted(
            client, wechat, crypto, event_xml("o-carol", "subscribe", "qrscene_clerk:anna")
        )

        assert response.status_code == 200
        assert Member.objects.get(openid="o-carol").bound_clerk == clerk
        envelope = reply_of(response)
        reply = xmltodict.parse(
            crypto.decrypt_message(
                response.content,
                envelope["MsgSignature"],
                envelope["TimeStamp"],
                envelope["Nonce"],
            )
        )["xml"]
        assert reply["MsgType"] == "text"
        assert reply["ToUserName"] == "o-carol"
        assert "https://shop.example.com/m/card/" in reply["Content"]

    def test_an_encrypted_message_is_refused_when_stale_or_its_nonce_replayed(
        self, client, wechat, crypto, clerk
    ):
        xml = event_xml("o-carol", "subscribe", "qrscene_clerk:anna")
        stale = str(int(time.time()) - 600)
        assert self.post_encrypted(client, wechat, crypto, xml, timestamp=stale).status_code == 403
        assert not Member.objects.exists()

        now = str(int(time.time()))
        assert (
            self.post_encrypted(client, wechat, crypto, xml, nonce="n-once", timestamp=now)
        ).status_code == 200
        before = counts()
        other = event_xml("o-mallory", "subscribe", "qrscene_clerk:anna")
        assert (
            self.post_encrypted(client, wechat, crypto, other, nonce="n-once", timestamp=now)
        ).status_code == 403
        assert counts() == before

    def test_a_bad_message_signature_is_refused(self, client, wechat, crypto, clerk):
        response = self.post_encrypted(
            client,
            wechat,
            crypto,
            event_xml("o-carol", "subscribe", "qrscene_clerk:anna"),
            tamper=True,
        )
        assert response.status_code == 403
        assert not Member.objects.exists()

    def test_another_apps_message_is_refused(self, client, wechat, crypto):
        other = WeChatCrypto(wechat.WECHAT_TOKEN, wechat.WECHAT_AES_KEY, "wx-another-app")
        response = self.post_encrypted(
            client, wechat, other, event_xml("o-carol", "subscribe", "qrscene_clerk:anna")
        )
        assert response.status_code == 403
        assert not Member.objects.exists()

    def test_garbage_in_the_envelope_is_a_bad_request(self, client, wechat, crypto):
        timestamp, nonce = str(int(time.time())), "n1"
        garbage = "not-base64!"
        signer = WeChatSigner()
        signer.add_data(wechat.WECHAT_TOKEN, timestamp, nonce, garbage)
        query = {
            "timestamp": timestamp,
            "nonce": nonce,
            "encrypt_type": "aes",
            "msg_signature": signer.signature,
        }
        xml = f"<xml><ToUserName>{ACCOUNT}</ToUserName><Encrypt>{garbage}</Encrypt></xml>"
        assert post_plain(client, wechat, xml, query).status_code == 400


# --- Hostile input and replays: a clear 4xx, never a 5xx, nothing changed ---------------------


def query_at(settings, timestamp: int, nonce: str | None = None) -> dict:
    nonce = nonce or secrets.token_hex(5)
    return {
        "signature": sign(settings.WECHAT_TOKEN, str(timestamp), nonce),
        "timestamp": str(timestamp),
        "nonce": nonce,
    }


def raw_event(from_user="o-alice", create_time="1700000000", extra=""):
    return (
        f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName>"
        f"<FromUserName><![CDATA[{from_user}]]></FromUserName>"
        f"<CreateTime>{create_time}</CreateTime>"
        f"<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[subscribe]]></Event>{extra}</xml>"
    )


HOSTILE_BODIES = {
    "doctype": '<!DOCTYPE xml SYSTEM "http://attacker.example/x.dtd">' + raw_event(),
    "internal entity": (
        '<!DOCTYPE xml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>'
        + raw_event(from_user="&b;")
    ),
    "external entity": (
        '<!DOCTYPE xml [<!ENTITY x SYSTEM "file:///etc/passwd">]>' + raw_event(from_user="&x;")
    ),
    "empty root": "<xml/>",
    "text root": "<xml>hi</xml>",
    "NUL byte": raw_event().replace("o-alice", "o-al\x00ice"),
    "FromUserName over 64 characters": raw_event(from_user="o" * 65),
    "ToUserName over 64 characters": raw_event().replace(ACCOUNT, "g" * 65),
    "nested FromUserName": raw_event(from_user="]]><a>1</a><![CDATA["),
    "CreateTime not a number": raw_event(create_time="soon"),
    "no CreateTime": raw_event().replace("<CreateTime>1700000000</CreateTime>", ""),
    "nested EventKey": raw_event(extra="<EventKey><a>clerk:anna</a></EventKey>"),
    "nested Event": raw_event().replace(
        "<Event><![CDATA[subscribe]]></Event>", "<Event><a>subscribe</a></Event>"
    ),
    "no MsgType": raw_event().replace("<MsgType><![CDATA[event]]></MsgType>", ""),
}


class TestHostileInput:
    @pytest.mark.parametrize("name", list(HOSTILE_BODIES))
    def test_a_signed_but_unreadable_message_is_a_bad_request_and_changes_nothing(
        self, client, wechat, clerk, name
    ):
        before = counts()

        response = post_plain(client, wechat, HOSTILE_BODIES[name])

        assert response.status_code == 400, response.content
        assert counts() == before

    def test_a_64_character_openid_is_still_welcome(self, client, wechat):
        response = post_plain(client, wechat, event_xml("o" * 64, "subscribe"))

        assert response.status_code == 200
        assert Member.objects.filter(openid="o" * 64).exists()


class TestReplay:
    def test_a_request_older_than_five_minutes_is_refused(self, client, wechat, clerk):
        stale = query_at(wechat, int(time.time()) - 5 * 60 - 30)

        response = post_plain(client, wechat, event_xml("o-alice", "subscribe"), stale)

        assert response.status_code == 403
        assert not Member.objects.exists()

    def test_a_request_from_more_than_five_minutes_ahead_is_refused(self, client, wechat):
        future = query_at(wechat, int(time.time()) + 5 * 60 + 30)

        response = post_plain(client, wechat, event_xml("o-alice", "subscribe"), future)

        assert response.status_code == 403
        assert not Member.objects.exists()

    def test_a_request_four_minutes_old_is_accepted(self, client, wechat):
        recent = query_at(wechat, int(time.time()) - 4 * 60)

        response = post_plain(client, wechat, event_xml("o-alice", "subscribe"), recent)

        assert response.status_code == 200
        assert Member.objects.filter(openid="o-alice").exists()

    def test_a_used_nonce_is_refused_even_with_another_body(self, client, wechat, clerk):
        # Plain mode signs only token, timestamp and nonce: a captured query string would
        # otherwise sign any body, e.g. a scan that binds someone else to a clerk.
        query = signed_query(wechat)
        assert post_plain(client, wechat, event_xml("o-alice", "subscribe"), query).status_code == (
            200
        )
        before = counts()

        forged = post_plain(
            client, wechat, event_xml("o-mallory", "subscribe", "qrscene_clerk:anna"), query
        )

        assert forged.status_code == 403
        assert counts() == before
        assert not Member.objects.filter(openid="o-mallory").exists()

    def test_the_url_check_is_refused_when_stale_or_replayed(self, client, wechat):
        stale = {**query_at(wechat, int(time.time()) - 600), "echostr": "e1"}
        assert client.get(URL, stale).status_code == 403
        fresh = {**signed_query(wechat), "echostr": "e2"}
        assert client.get(URL, fresh).status_code == 200
        assert client.get(URL, fresh).status_code == 403

    def test_a_timestamp_that_is_not_a_number_is_refused(self, client, wechat):
        query = signed_query(wechat)
        query["timestamp"] = "soon"
        query["signature"] = sign(wechat.WECHAT_TOKEN, "soon", query["nonce"])

        response = post_plain(client, wechat, event_xml("o-alice", "subscribe"), query)

        assert response.status_code == 403
        assert not WeChatEvent.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_same_event_delivered_twice_at_once_is_handled_once(settings):
    """WeChat retries after 5 s; a slow first delivery and its retry can overlap."""
    import threading

    from django.db import connection
    from wechatpy.parser import parse_message

    from members.services.wechat_events import wechat_event_handle

    settings.SITE_URL = "https://shop.example.com"
    StaffFactory(staff_code="anna", store=StoreFactory(code="jingan"))
    xml = event_xml("o-zoe", "subscribe", "qrscene_clerk:anna", create_time=1700000000)
    barrier = threading.Barrier(4)
    replies, errors = [], []

    def deliver():
        try:
            barrier.wait()
            replies.append(wechat_event_handle(message=parse_message(xml)))
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert not errors
    assert len(replies) == 4 and len(set(replies)) == 1
    assert WeChatEvent.objects.count() == 1
    member = Member.objects.get(openid="o-zoe")
    assert member.points_balance == LoyaltyPolicy.current().scan_points_member
    assert ClerkPointsEntry.objects.count() == 1
    assert BindingChange.objects.filter(member=member, to_clerk__isnull=False).count() == 1
