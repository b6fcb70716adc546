"""Who the client is: its address behind our own proxies, and the block limits count it by.

One rule for every surface that limits clients (sign-in and sign-up over HTTP, websocket
connections), so a client cannot count as someone else on one of them.
"""

import ipaddress

from django.conf import settings


def forwarded_client(peer: str | None, forwarded_for: str | None) -> str:
    """The client's IP address, trusting X-Forwarded-For only as far as our own proxies.

    With TRUSTED_PROXY_COUNT = N, the Nth address from the right of X-Forwarded-For is the
    client (each proxy appends the address it saw); the rest of the header is the client's
    own say-so and is ignored. With 0, the socket's peer address is the client.
    """
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies and forwarded_for:
        addresses = [part.strip() for part in forwarded_for.split(",") if part.strip()]
        if addresses:
            return addresses[-min(proxies, len(addresses))]
    return peer or "unknown"


def address_group(address: str) -> str:
    """What limits count an address as: IPv4 as itself, IPv6 by its /64.

    One subscriber usually holds a whole IPv6 /64 and can pick any address in it; an
    IPv4-mapped IPv6 address is the IPv4 client it maps.
    """
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((int(ip) >> 64 << 64, 64)))
    return str(ip)
