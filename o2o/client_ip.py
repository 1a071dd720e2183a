"""The client's address, the one place a request's address is read (DESIGN §4 "Trust").

Behind a reverse proxy `REMOTE_ADDR` is the proxy, so every shopper would share one address and
one throttle. `X-Forwarded-For` names the client, but anyone can send that header: only the
entries appended by proxies we run are believed. Each proxy appends the address it received the
request from, so the list is read from the right, skipping our own proxies:

- `TRUSTED_PROXY_COUNT` (default 0): the last N hops (REMOTE_ADDR included) are our proxies;
- `TRUSTED_PROXY_CIDRS`: any hop inside these networks is one of our proxies.

The client is the first hop, from the right, that is not ours. With neither setting the header is
ignored and REMOTE_ADDR is the client.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(cidrs: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(cidr.strip(), strict=False) for cidr in cidrs if cidr)


def _address(value: str) -> Address | None:
    try:
        address = ipaddress.ip_address(value.strip())
    except ValueError:
        return None
    # An IPv4 client seen through an IPv6 socket (::ffff:1.2.3.4) is the IPv4 client.
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped or address


def client_ip(request) -> str:
    """The client's IP address as text ("" when not even REMOTE_ADDR is an address)."""
    remote = _address(request.META.get("REMOTE_ADDR", ""))
    if remote is None:
        return ""
    trusted_count = max(0, int(getattr(settings, "TRUSTED_PROXY_COUNT", 0) or 0))
    networks = _networks(tuple(getattr(settings, "TRUSTED_PROXY_CIDRS", ()) or ()))
    if not trusted_count and not networks:
        return str(remote)
    forwarded = [
        entry
        for header in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if (entry := header.strip())
    ]
    hops: list[Address | None] = [_address(entry) for entry in forwarded] + [remote]
    client = remote
    # Walk from our side: while the current hop is one of our proxies, believe the address it
    # reported (the hop before it). Stop at the first hop that is not ours, or at garbage.
    for position in range(len(hops) - 1, 0, -1):
        hop = hops[position]
        ours = (len(hops) - 1 - position) < trusted_count or any(hop in net for net in networks)
        if not ours:
            break
        reported = hops[position - 1]
        if reported is None:
            break
        client = reported
    return str(client)
