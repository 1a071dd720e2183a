"""The client address: X-Forwarded-For only through the trusted-proxy settings, in one place."""

import re
from pathlib import Path

from django.test import RequestFactory

from o2o.client_ip import client_ip

ROOT = Path(__file__).resolve().parents[2]


def request(remote="10.0.0.2", forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_without_trusted_proxies_the_header_is_ignored(settings):
    settings.TRUSTED_PROXY_COUNT, settings.TRUSTED_PROXY_CIDRS = 0, []

    assert client_ip(request("203.0.113.9", forwarded="1.2.3.4")) == "203.0.113.9"


def test_one_trusted_proxy_gives_the_address_it_appended(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    # The client forged the first entry; our proxy appended the real one.
    forwarded = "6.6.6.6, 198.51.100.7"

    assert client_ip(request("10.0.0.2", forwarded=forwarded)) == "198.51.100.7"


def test_two_trusted_proxies(settings):
    settings.TRUSTED_PROXY_COUNT = 2

    address = client_ip(request("10.0.0.3", forwarded="6.6.6.6, 198.51.100.7, 10.0.0.2"))

    assert address == "198.51.100.7"


def test_trusted_networks_are_skipped_from_the_right(settings):
    settings.TRUSTED_PROXY_COUNT, settings.TRUSTED_PROXY_CIDRS = 0, ["10.0.0.0/8"]

    assert client_ip(request("10.1.1.1", forwarded="6.6.6.6, 198.51.100.7, 10.0.0.2")) == (
        "198.51.100.7"
    )
    # A request straight from outside our network: its header is not believed.
    assert client_ip(request("198.51.100.8", forwarded="6.6.6.6")) == "198.51.100.8"


def test_a_missing_or_garbled_header_falls_back_to_the_proxy(settings):
    settings.TRUSTED_PROXY_COUNT = 1

    assert client_ip(request("10.0.0.2")) == "10.0.0.2"
    assert client_ip(request("10.0.0.2", forwarded="not-an-address")) == "10.0.0.2"


def test_ipv4_mapped_addresses_are_plain_ipv4(settings):
    settings.TRUSTED_PROXY_COUNT = 0

    assert client_ip(request("::ffff:198.51.100.7")) == "198.51.100.7"


def test_the_client_address_is_read_in_one_place():
    packages = [p.parent for p in ROOT.glob("*/__init__.py") if p.parent.name != "tests"]
    readers = [
        path.relative_to(ROOT).as_posix()
        for package in packages
        for path in package.rglob("*.py")
        if re.search(r"REMOTE_ADDR|HTTP_X_FORWARDED_FOR", path.read_text())
    ]

    assert readers == ["o2o/client_ip.py"]
