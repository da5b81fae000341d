"""A local HTTPS receiver for tests of outbound calls (webhooks, chat robots): a real
TLS server on 127.0.0.1 with a certificate for `localhost` from a throwaway CA
(trustme), recording every request and answering from a script of responses."""

from __future__ import annotations

import ssl
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import trustme


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


Answer = Callable[[Received], tuple[int, dict[str, str], bytes]]


@dataclass
class Receiver:
    """`answers` are (status, headers) taken in turn; when they run out, 200 "ok", or
    what `answer` says (a provider's own checks: a signature, its JSON reply)."""

    url: str
    ca_file: str
    requests: list[Received] = field(default_factory=list)
    answers: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    answer: Answer | None = None


@contextmanager
def https_receiver(
    tmp_path: Path, path: str = "/hooks", ca: trustme.CA | None = None
) -> Iterator[Receiver]:
    """A receiver at https://localhost:<port><path>; its certificate is issued by `ca`
    (a new CA unless given: a running stack's, which its services trust)."""
    ca = ca or trustme.CA()
    cert = ca.issue_cert("localhost")
    ca_file = tmp_path / "receiver-ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(context)

    receiver: Receiver

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("content-length", "0"))
            headers_in = {k.lower(): v for k, v in self.headers.items()}
            request = Received("POST", self.path, headers_in, self.rfile.read(length))
            with receiver.lock:
                receiver.requests.append(request)
                scripted = receiver.answers.pop(0) if receiver.answers else None
            if scripted is not None:
                status, headers, body = scripted[0], scripted[1], b"ok"
            elif receiver.answer is not None:
                status, headers, body = receiver.answer(request)
            else:
                status, headers, body = 200, {}, b"ok"
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    receiver = Receiver(f"https://localhost:{server.server_address[1]}{path}", str(ca_file))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class Mailbox:
    """What a local SMTP server accepted; `refuse` maps an address to the SMTP reply
    its RCPT gets (e.g. "550 5.1.1 no such user")."""

    host: str
    port: int
    messages: list[Any] = field(default_factory=list)  # email.message.EmailMessage
    refuse: dict[str, str] = field(default_factory=dict)


@contextmanager
def smtp_server() -> Iterator[Mailbox]:
    """A real SMTP server (aiosmtpd) on 127.0.0.1, parsing what it accepts."""
    from email import message_from_bytes, policy

    from aiosmtpd.controller import Controller

    from crm_runtime.testing.servers import free_port

    mailbox = Mailbox("127.0.0.1", free_port())

    class Handler:
        async def handle_RCPT(
            self, server: Any, session: Any, envelope: Any, address: str, options: Any
        ) -> str:
            if address in mailbox.refuse:
                return mailbox.refuse[address]
            envelope.rcpt_tos.append(address)
            return "250 OK"

        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            mailbox.messages.append(message_from_bytes(envelope.content, policy=policy.SMTP))
            return "250 Message accepted"

    controller = Controller(Handler(), hostname=mailbox.host, port=mailbox.port)
    controller.start()
    try:
        yield mailbox
    finally:
        controller.stop()


def dingtalk_robot(secret: str, access_token: str) -> Answer:
    """A receiver's answer as a DingTalk custom robot gives it (open.dingtalk.com,
    "加签"): the `sign` query parameter must be the base64 HMAC-SHA256 of
    "<timestamp>\\n<secret>" keyed by the secret, and `access_token` the robot's; then
    {"errcode": 0}, else errcode 310000 ("sign not match") or 300001 (bad token)."""
    import base64
    import hashlib
    import hmac
    import json
    from urllib.parse import parse_qs, urlsplit

    def answer(request: Received) -> tuple[int, dict[str, str], bytes]:
        query = parse_qs(urlsplit(request.path).query)
        stamp = query.get("timestamp", [""])[0]
        expected = base64.b64encode(
            hmac.new(secret.encode(), f"{stamp}\n{secret}".encode(), hashlib.sha256).digest()
        ).decode()
        if query.get("access_token") != [access_token]:
            reply = {"errcode": 300001, "errmsg": "token is not exist"}
        elif not hmac.compare_digest(query.get("sign", [""])[0], expected):
            reply = {"errcode": 310000, "errmsg": "sign not match"}
        else:
            reply = {"errcode": 0, "errmsg": "ok"}
        return 200, {"content-type": "application/json"}, json.dumps(reply).encode()

    return answer
