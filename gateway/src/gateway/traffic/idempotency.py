"""Idempotency keys on POST (Stripe's semantics), kept in Redis for 24 hours.

The first request with a key claims it and runs; its response (status, body, headers
without the per-request ones) is stored before the client sees it. The same key with
the same body later replays that response with `Idempotent-Replayed: true`; with a
different body it is refused 422, naming the header. A duplicate arriving while the
first still runs waits for its result, and gets 409 if the wait runs out: never a
second effect. Keys are scoped to the tenant and the credential (the API key, or the
person whatever token they hold), so two clients cannot collide or read each other's
responses. A 5xx is not stored: the key is released so that the client can retry.

`begin` is called by the route guard (after authentication and authorisation, with the
body read); `RecordResponses`, an ASGI middleware, stores or releases the claim.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import json
import logging
import re
import secrets
import time
from dataclasses import dataclass
from typing import Any

from crm_runtime import metrics
from crm_runtime.errors import FieldViolation, ValidationFailed
from fastapi import FastAPI, HTTPException, Request, Response
from redis.asyncio import Redis
from redis.exceptions import RedisError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger(__name__)
HEADER = "Idempotency-Key"
KEY_FORMAT = re.compile(r"^[\x21-\x7e]{1,255}$")  # visible ASCII, as header values travel
CLAIM = "crm_idempotency_claim"  # where the guard leaves its claim in request.state
PER_REQUEST_HEADERS = frozenset(
    {"date", "server", "content-length", "x-request-id", "retry-after", "traceparent"}
)
# Only the owner's exact marker may be replaced or removed: a claim that expired and was
# taken by another request must not be overwritten by the slow first one.
_SWAP = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if ARGV[2] == '' then redis.call('DEL', KEYS[1]) else
  redis.call('SET', KEYS[1], ARGV[2], 'EX', tonumber(ARGV[3])) end
return 1
"""


@dataclass(frozen=True)
class Claim:
    key: str
    marker: str


@dataclass(frozen=True)
class StoredResponse:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def response(self) -> Response:
        response = Response(self.body, status_code=self.status)
        for name, value in self.headers:
            response.headers.append(name, value)
        response.headers["Idempotent-Replayed"] = "true"
        return response


class IdempotentReplay(Exception):
    def __init__(self, stored: StoredResponse) -> None:
        super().__init__("replayed")
        self.stored = stored


def fingerprint(method: str, path: str, query: str, body: bytes) -> str:
    """What "the same request" means: method, path, query and the body, with JSON
    compared by value so that key order and spacing do not matter."""
    try:
        canonical = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
    except ValueError:
        canonical = body
    digest = hashlib.sha256(f"{method} {path}?{query}\n".encode())
    digest.update(canonical)
    return digest.hexdigest()


def check_key(value: str) -> str:
    if not KEY_FORMAT.match(value):
        raise ValidationFailed(
            [FieldViolation(HEADER, "must be 1 to 255 visible ASCII characters")]
        )
    return value


class IdempotencyStore:
    def __init__(
        self, redis: Redis, ttl_seconds: int, wait_seconds: float, lock_seconds: float = 30.0
    ) -> None:
        self.redis = redis
        self.ttl = ttl_seconds
        self.wait = wait_seconds
        self.lock = int(lock_seconds)
        self._swap = redis.register_script(_SWAP)

    async def begin(self, tenant_id: str, subject: str, key: str, print_: str) -> Claim:
        """Claim `key` for this request, or raise IdempotentReplay / 422 / 409."""
        hashed = hashlib.sha256(check_key(key).encode()).hexdigest()[:40]
        redis_key = f"crm:idem:{{{tenant_id}}}:{subject}:{hashed}"
        marker = json.dumps({"state": "running", "fp": print_, "owner": secrets.token_hex(8)})
        deadline = time.monotonic() + self.wait
        while True:
            if await self.redis.set(redis_key, marker, nx=True, ex=self.lock):
                return Claim(redis_key, marker)
            raw = await self.redis.get(redis_key)
            if raw is None:
                continue  # released or expired between the two calls: claim it now
            found: dict[str, Any] = json.loads(raw)
            if found["fp"] != print_:
                metrics.GATEWAY_IDEMPOTENCY.labels("gateway", "mismatch").inc()
                raise ValidationFailed(
                    [FieldViolation(HEADER, "was already used with a different request")]
                )
            if found["state"] == "done":
                metrics.GATEWAY_IDEMPOTENCY.labels("gateway", "replayed").inc()
                raise IdempotentReplay(
                    StoredResponse(
                        found["status"],
                        [(k, v) for k, v in found["headers"]],
                        base64.b64decode(found["body"]),
                    )
                )
            if time.monotonic() >= deadline:
                metrics.GATEWAY_IDEMPOTENCY.labels("gateway", "in_progress").inc()
                raise HTTPException(
                    409,
                    f"a request with this {HEADER} is still in progress; retry shortly",
                    {"Retry-After": "1"},
                )
            await asyncio.sleep(0.02)

    async def finish(
        self, claim: Claim, status: int, headers: list[tuple[str, str]], body: bytes
    ) -> None:
        if status >= 500:
            await self.release(claim)
            return
        print_ = json.loads(claim.marker)["fp"]
        kept = [(k, v) for k, v in headers if k.lower() not in PER_REQUEST_HEADERS]
        kept = [(k, v) for k, v in kept if not k.lower().startswith("ratelimit-")]
        stored = {
            "state": "done",
            "fp": print_,
            "status": status,
            "headers": kept,
            "body": base64.b64encode(body).decode(),
        }
        await self._swap(keys=[claim.key], args=[claim.marker, json.dumps(stored), self.ttl])
        metrics.GATEWAY_IDEMPOTENCY.labels("gateway", "stored").inc()

    async def release(self, claim: Claim) -> None:
        await self._swap(keys=[claim.key], args=[claim.marker, "", 0])
        metrics.GATEWAY_IDEMPOTENCY.labels("gateway", "released").inc()


async def claim_for(request: Request, tenant_id: str, subject: str) -> None:
    """Called by the route guard on a POST: claim the request's key, if it sent one."""
    key = request.headers.get(HEADER)
    if key is None:
        return
    store: IdempotencyStore = request.app.state.ctx.idempotency
    print_ = fingerprint(request.method, request.url.path, request.url.query, await request.body())
    request.state.crm_idempotency_claim = await store.begin(tenant_id, subject, key, print_)


class RecordResponses:
    """Holds back a claimed request's response until it is stored (or the claim
    released), so a client that retries at once is answered from the store."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        state: dict[str, Any] = scope.setdefault("state", {})
        start: Message = {}
        chunks: list[bytes] = []

        async def hold(message: Message) -> None:
            nonlocal start
            claim: Claim | None = state.get(CLAIM)
            if claim is None:
                await send(message)
            elif message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if message.get("more_body"):
                    return
                body = b"".join(chunks)
                headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in start["headers"]]
                store: IdempotencyStore = scope["app"].state.ctx.idempotency
                del state[CLAIM]
                try:
                    await store.finish(claim, start["status"], headers, body)
                except RedisError:
                    # The effect happened, so the client still gets its answer; the
                    # claim's lock expires on its own, and a retry before then gets 409.
                    log.exception("idempotent response not stored")
                await send(start)
                await send({"type": "http.response.body", "body": body})

        try:
            await self.app(scope, receive, hold)
        finally:
            claim = state.pop(CLAIM, None)
            if claim is not None:  # the app failed before answering
                with contextlib.suppress(RedisError):
                    await scope["app"].state.ctx.idempotency.release(claim)


async def on_replay(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, IdempotentReplay)
    return exc.stored.response()


def install(app: FastAPI) -> None:
    app.add_exception_handler(IdempotentReplay, on_replay)
    app.add_middleware(RecordResponses)
