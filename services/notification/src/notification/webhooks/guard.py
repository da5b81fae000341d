"""SSRF guard: a webhook may call only https URLs whose host resolves to public
addresses, checked when the URL is registered and again at each connection (the
sender connects to the address checked here, so a DNS answer that changes in between,
DNS rebinding, cannot point it inside). Hosts named in the deployment's allow-list
(on-premises ERP) may resolve to private addresses."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Collection
from urllib.parse import urlsplit

from crm_runtime.errors import FieldViolation, ValidationFailed

Resolve = Callable[[str, int], list[str]]


def resolve(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def forbidden(address: str) -> str:
    """Why a connection to `address` is refused ("" when it is allowed)."""
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    if ip.is_private or ip.is_reserved or ip.is_unspecified or ip.is_multicast:
        return "private or reserved"
    if not ip.is_global:
        return "not public"
    return ""


class Refused(Exception):
    """The URL may not be called; the message says why."""


class UrlPolicy:
    def __init__(self, allowed_private_hosts: Collection[str] = (), resolver: Resolve = resolve):
        self.allowed = {h.strip().lower() for h in allowed_private_hosts if h.strip()}
        self.resolver = resolver

    def addresses(self, url: str) -> tuple[str, int, list[str]]:
        """(host, port, addresses it may connect to); Refused with the reason otherwise."""
        try:
            parts = urlsplit(url)
            port = parts.port or 443
        except ValueError as exc:
            raise Refused("is not a URL") from exc
        if parts.scheme != "https" or not parts.hostname:
            raise Refused("must be an https URL with a host")
        host = parts.hostname.lower()
        try:
            found = self.resolver(host, port)
        except (OSError, UnicodeError, ValueError) as exc:
            raise Refused(f"host {host} does not resolve") from exc
        if not found:
            raise Refused(f"host {host} does not resolve")
        if host in self.allowed:
            return host, port, found
        for address in found:
            why = forbidden(address)
            if why:
                raise Refused(f"host {host} resolves to a {why} address ({address})")
        return host, port, found

    def check(self, url: str) -> None:
        try:
            self.addresses(url)
        except Refused as exc:
            raise ValidationFailed([FieldViolation("url", str(exc))]) from exc
