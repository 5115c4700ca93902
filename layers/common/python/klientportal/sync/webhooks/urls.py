"""Which webhook URLs may be called (I/O-free but for the resolver passed in).

In AWS only `https`; locally also `http`, and loopback addresses are allowed (a listener on this
machine). Everywhere refused: private, link-local (the 169.254.169.254 metadata service),
shared, multicast, reserved and unspecified addresses, IPv6 unique-local, IPv4-mapped and 6to4 forms of
those, credentials in the URL, and names that resolve to any such address. The check is made at
subscription time and again at every delivery, against the addresses the delivery then connects
to (the connection is pinned to a checked address), so a name that later re-resolves to a private
address (DNS rebinding) is refused at delivery.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

Resolver = Callable[[str, int], Sequence[str]]
METADATA_HOSTS = frozenset({"metadata.google.internal", "metadata", "instance-data"})
MAX_URL = 2000


class UrlRefused(ValueError):
    """The URL may not receive webhooks; `reason` is a short stable code."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class Target:
    """A checked URL: where to connect (pinned addresses) and what to ask for."""

    scheme: str
    host: str
    port: int
    path: str  # path and query
    addresses: tuple[str, ...]


def system_resolver(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise UrlRefused("unresolvable", f"{host} does not resolve: {exc.strerror}") from None
    return sorted({str(info[4][0]) for info in infos})


def address_allowed(address: str, *, allow_loopback: bool) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        # ::ffff:a.b.c.d, and 6to4's 2002:aabb:ccdd:: carrying a.b.c.d: judged by the IPv4 address
        embedded = ip.ipv4_mapped or ip.sixtofour
        if embedded is not None:
            ip = embedded
    if ip.is_loopback:
        return allow_loopback
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_link_local or ip.is_unspecified)


def check_url(url: str, *, local: bool, resolve: Resolver = system_resolver) -> Target:
    """The target of `url` if webhooks may be sent there, else UrlRefused."""
    if len(url) > MAX_URL:
        raise UrlRefused("too-long", f"at most {MAX_URL} characters")
    parts = urlsplit(url)
    allowed = ("https", "http") if local else ("https",)
    if parts.scheme not in allowed:
        raise UrlRefused("scheme", "only https URLs" + (" (and http locally)" if local else ""))
    if parts.username or parts.password:
        raise UrlRefused("credentials", "credentials in the URL are not allowed; authenticate with the signature")
    if parts.fragment:
        raise UrlRefused("fragment", "a fragment is never sent; leave it out")
    host = (parts.hostname or "").rstrip(".").lower()
    if not host:
        raise UrlRefused("host", "the URL has no host")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise UrlRefused("port", "the port is not valid") from None
    if host in METADATA_HOSTS:
        raise UrlRefused("private-address", f"{host} is a metadata service")
    try:
        literal = ipaddress.ip_address(host)
        addresses: Sequence[str] = [str(literal)]
    except ValueError:
        addresses = ["127.0.0.1"] if host == "localhost" or host.endswith(".localhost") else resolve(host, port)
    if not addresses:
        raise UrlRefused("unresolvable", f"{host} has no address")
    refused = [a for a in addresses if not address_allowed(a, allow_loopback=local)]
    if refused:
        raise UrlRefused(
            "private-address",
            f"{host} resolves to {', '.join(refused)}: private, loopback, link-local or reserved addresses "
            "do not receive webhooks" + ("" if not local else " (loopback is allowed locally)"),
        )
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(parts.scheme, host, port, path, tuple(addresses))
