"""The audit log: who did what, when, with which credential, for every write.

Every POST, PUT, PATCH and DELETE that got as far as an identified caller is recorded
in the gateway's database (tenant-scoped), refused ones included (a 403 is worth
knowing about; a 429 is counted, not recorded), with the action it declared, the ids in its path, the status it got,
and whether it was an idempotent replay. The record is written before the client sees
the answer; if the database is down the entry goes to the log instead, because failing
a write that already happened would be worse.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bson import ObjectId
from crm_runtime.clock import utcnow
from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import PyMongoError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.identity.caller import Caller
from gateway.store import Doc, Scoped, new_id
from gateway.traffic.middleware import route_template

log = logging.getLogger(__name__)
AUDIT_LOG = "audit_log"
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CALLER, ACTION = "crm_caller", "crm_action"  # what the route guard leaves in request.state


@dataclass(frozen=True)
class Entry:
    id: str
    at: datetime
    actor_id: str
    credential_kind: str
    credential_id: str
    roles: tuple[str, ...]
    action: str
    method: str
    path: str
    resource: dict[str, str]
    status: int
    replayed: bool
    request_id: str


def _entry(doc: Doc) -> Entry:
    return Entry(
        id=doc["_id"],
        at=doc["at"],
        actor_id=doc["actor_id"],
        credential_kind=doc["credential_kind"],
        credential_id=doc["credential_id"],
        roles=tuple(doc.get("roles", ())),
        action=doc["action"],
        method=doc["method"],
        path=doc["path"],
        resource=dict(doc.get("resource", {})),
        status=doc["status"],
        replayed=doc.get("replayed", False),
        request_id=doc.get("request_id", ""),
    )


async def ensure_audit_indexes(db: AsyncDatabase[Doc], retention_days: int) -> None:
    entries = db[AUDIT_LOG]
    await entries.create_index([("tenant_id", ASCENDING), ("_id", DESCENDING)])
    for field in ("actor_id", "action"):
        await entries.create_index(
            [("tenant_id", ASCENDING), (field, ASCENDING), ("_id", DESCENDING)]
        )
    await entries.create_index(
        [("at", ASCENDING)], expireAfterSeconds=int(timedelta(days=retention_days).total_seconds())
    )


def _id_bounds(since: datetime | None, until: datetime | None) -> Doc:
    """Time bounds as `_id` bounds (ids are ObjectIds, which start with their time), so
    one index serves the tenant, the period and the newest-first order. Both ends are
    inclusive, to the second an ObjectId holds."""
    bounds: Doc = {}
    if since is not None:
        bounds["$gte"] = str(ObjectId.from_datetime(since))
    if until is not None:
        next_second = until.replace(microsecond=0) + timedelta(seconds=1)
        bounds["$lt"] = str(ObjectId.from_datetime(next_second))
    return bounds


class AuditLog:
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self.entries = db[AUDIT_LOG]

    async def record(self, caller: Caller, entry: Doc) -> None:
        principal = caller.principal
        doc = {
            "_id": new_id(),
            "at": utcnow(),
            "actor_id": principal.user_id,
            "credential_kind": caller.kind,
            "credential_id": principal.credential_id,
            "roles": list(principal.roles),
            **entry,
        }
        try:
            await Scoped(self.entries, principal.tenant_id).insert_one(doc)
        except PyMongoError:
            log.exception("audit entry not stored", extra={"audit": {**doc, "at": str(doc["at"])}})

    async def page(
        self,
        tenant_id: str,
        filters: dict[str, str],
        since: datetime | None,
        until: datetime | None,
        limit: int,
        cursor: str,
    ) -> tuple[list[Entry], str]:
        query: Doc = {k: v for k, v in filters.items() if v}
        bounds = _id_bounds(since, until)
        if bounds:
            query["_id"] = bounds
        docs, next_cursor = await Scoped(self.entries, tenant_id).page(
            query, limit, cursor, newest_first=True
        )
        return [_entry(d) for d in docs], next_cursor


class RecordWrites:
    """ASGI middleware: records each write once its status is known, before the last
    byte of the answer leaves."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in WRITES:
            await self.app(scope, receive, send)
            return
        state: dict[str, Any] = scope.setdefault("state", {})
        start: Message = {}

        async def watch(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body" and not message.get("more_body"):
                caller = state.get(CALLER)
                # A flood of 429s must not become a flood of inserts; the limiter counts them.
                if caller is not None and start and start["status"] != 429:
                    await self._record(scope, state, caller, start)
            await send(message)

        await self.app(scope, receive, watch)

    async def _record(
        self, scope: Scope, state: dict[str, Any], caller: Caller, start: Message
    ) -> None:
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in start["headers"]}
        request_headers = {
            k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]
        }
        await scope["app"].state.ctx.audit.record(
            caller,
            {
                "action": state.get(ACTION, ""),
                "method": scope["method"],
                "path": scope["path"],
                "route": route_template(scope),
                "resource": {k: str(v) for k, v in scope.get("path_params", {}).items()},
                "status": start["status"],
                "replayed": headers.get("idempotent-replayed") == "true",
                "request_id": state.get("request_id") or request_headers.get("x-request-id", ""),
                "client": (scope.get("client") or ("", 0))[0],
            },
        )
