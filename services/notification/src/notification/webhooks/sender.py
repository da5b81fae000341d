"""POST over https to the address the guard checked (ADR 0031): the connection goes to
that address, while TLS verifies the certificate for the URL's host (SNI)."""

from __future__ import annotations

import http.client
import socket
import ssl
import time
from urllib.parse import urlsplit

from notification.webhooks.domain import RESPONSE_START, Outcome
from notification.webhooks.guard import Refused, UrlPolicy


class _PinnedHttps(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, address: str, context: ssl.SSLContext, timeout: float):
        super().__init__(host, port, timeout=timeout, context=context)
        self.address = address
        self.tls = context

    def connect(self) -> None:
        raw = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self.tls.wrap_socket(raw, server_hostname=self.host)


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


class HttpsSender:
    def __init__(self, policy: UrlPolicy, ca_file: str = "", timeout: float = 10.0) -> None:
        self.policy = policy
        self.context = ssl.create_default_context(cafile=ca_file or None)
        self.timeout = timeout

    def post(self, url: str, body: bytes, headers: dict[str, str]) -> Outcome:
        started = time.monotonic()

        def elapsed() -> int:
            return int((time.monotonic() - started) * 1000)

        try:
            host, port, addresses = self.policy.addresses(url)
        except Refused as exc:
            return Outcome(0, elapsed(), error=f"refused: {exc}")
        parts = urlsplit(url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        connection = _PinnedHttps(host, port, addresses[0], self.context, self.timeout)
        try:
            connection.request("POST", target, body=body, headers=headers)
            response = connection.getresponse()
            start = response.read(RESPONSE_START).decode("utf-8", "replace")
            return Outcome(
                response.status,
                elapsed(),
                start,
                _retry_after(response.getheader("retry-after")),
            )
        except (OSError, http.client.HTTPException) as exc:
            return Outcome(0, elapsed(), error=f"{type(exc).__name__}: {exc}"[:300])
        finally:
            connection.close()
