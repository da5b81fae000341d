"""The gateway's own MongoDB database (`crm_gateway`): tenants, users, teams, API keys,
refresh tokens and the audit log.

`Scoped` is the async twin of the runtime's TenantCollection: it adds `tenant_id` to
every filter and document and refuses one from the caller, so no gateway query can
forget the tenant. Credential lookups that must work before the tenant is known (an API
key by id, a refresh token by id) use the raw collection on purpose.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bson import ObjectId
from crm_runtime.errors import FieldViolation, NotFound, ValidationFailed
from crm_runtime.paging import decode_cursor, encode_cursor
from pymongo import ReturnDocument
from pymongo.asynchronous.collection import AsyncCollection

Doc = dict[str, Any]


def new_id() -> str:
    """Ids that sort by creation time, so `_id` serves as the paging key."""
    return str(ObjectId())


def _check(filter_: Mapping[str, Any]) -> None:
    if "tenant_id" in filter_:
        raise ValueError("tenant_id is set by the store, never by the caller")


def _tighter(bounds: Doc, newest_first: bool, last: str) -> Doc:
    """Add the cursor's bound to any range already on `_id`, keeping the narrower one."""
    op = "$lt" if newest_first else "$gt"
    current = bounds.get(op)
    if current is None or (last < current if newest_first else last > current):
        return {**bounds, op: last}
    return bounds


class Scoped:
    def __init__(self, collection: AsyncCollection[Doc], tenant_id: str) -> None:
        if not tenant_id:
            raise ValueError("a tenant id is required")
        self.raw = collection
        self.tenant_id = tenant_id

    def scoped(self, filter_: Mapping[str, Any] | None = None) -> Doc:
        filter_ = filter_ or {}
        _check(filter_)
        return {"tenant_id": self.tenant_id, **filter_}

    async def insert_one(self, doc: Doc) -> None:
        _check(doc)
        await self.raw.insert_one({"tenant_id": self.tenant_id, **doc})

    async def find_one(self, filter_: Mapping[str, Any]) -> Doc | None:
        return await self.raw.find_one(self.scoped(filter_))

    async def update_one(self, filter_: Mapping[str, Any], update: Mapping[str, Any]) -> Doc | None:
        """Apply `update` to the one matching document and return it as it is after."""
        return await self.raw.find_one_and_update(
            self.scoped(filter_), update, return_document=ReturnDocument.AFTER
        )

    async def update_many(self, filter_: Mapping[str, Any], update: Mapping[str, Any]) -> int:
        return (await self.raw.update_many(self.scoped(filter_), update)).modified_count

    async def page(
        self, filter_: Mapping[str, Any], limit: int, cursor: str, newest_first: bool = False
    ) -> tuple[list[Doc], str]:
        """One page ordered by `_id`, and the cursor of the next page ("" at the end)."""
        query = self.scoped(filter_)
        after = decode_cursor(cursor)
        if after is not None:
            if len(after) != 1 or not isinstance(after[0], str):
                raise ValidationFailed(
                    [FieldViolation("cursor", "is not a cursor this API issued")]
                )
            query["_id"] = _tighter(query.get("_id", {}), newest_first, after[0])
        found = self.raw.find(query).sort("_id", -1 if newest_first else 1).limit(limit + 1)
        docs = [doc async for doc in found]
        more = len(docs) > limit
        docs = docs[:limit]
        return docs, encode_cursor([docs[-1]["_id"]]) if more and docs else ""


def live_only(include_revoked: bool = False) -> Doc:
    """The filter of a revocable resource's list: revoked ones only when asked for."""
    return {} if include_revoked else {"revoked": False}


async def find_live(scoped: Scoped, doc_id: str, what: str) -> Doc:
    """A revocable resource of the tenant by id. Revoked is gone for the API (kept for the
    audit log): NotFound either way, saying which."""
    doc = await scoped.find_one({"_id": doc_id})
    if doc is None:
        raise NotFound(f"{what} {doc_id} not found")
    if doc.get("revoked"):
        raise NotFound(f"{what} {doc_id} was revoked")
    return doc
