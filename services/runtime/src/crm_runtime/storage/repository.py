"""Generic helpers for a service's Mongo repositories, written once: index names and
declarations, the version-checked save, and keyset paging over a sort key.

- `IndexSpec` / `create_indexes`: a service lists every index it declares as data (one
  module per service, e.g. `opportunity/indexes.py`) and creates them at start.
- `index_name`: the name MongoDB gives an index of these keys, for `hint=`.
- `save_versioned`: optimistic locking; a stale write raises the runtime's Conflict.
- `SortKey` / `page_docs`: a page ends at (sort value, id) and the next one starts
  strictly after it, so pages never skip or repeat a record however many records share
  a value. Cursors are opaque to callers; values are typed here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from bson.decimal128 import Decimal128, create_decimal128_context
from pymongo.database import Database

from crm_runtime.errors import Conflict
from crm_runtime.paging import decode_cursor, encode_cursor, invalid_cursor
from crm_runtime.storage.mongo import Doc, TenantCollection

IndexKey = tuple[str, int]  # (field, 1 ascending | -1 descending)
_DECIMAL128 = create_decimal128_context()


def decimal128(value: Decimal) -> Decimal128:
    """`value` as BSON Decimal128 (rounded to its 34 digits, as MongoDB stores it)."""
    return Decimal128(_DECIMAL128.create_decimal(value))


def index_name(*keys: IndexKey) -> str:
    """The name MongoDB gives an index on `keys` unless told otherwise (`a_1_b_-1`)."""
    return "_".join(f"{field}_{direction}" for field, direction in keys)


@dataclass(frozen=True)
class IndexSpec:
    """One index a service declares: the collection, its keys in order, uniqueness."""

    collection: str
    keys: tuple[IndexKey, ...]
    unique: bool = False
    sparse: bool = False  # only documents that have the first key (a queue's due field)

    @property
    def name(self) -> str:
        return index_name(*self.keys)


def tenant_index(collection: str, *keys: IndexKey, unique: bool = False) -> IndexSpec:
    """An index led by `tenant_id`, as every per-tenant query is."""
    return IndexSpec(collection, (("tenant_id", 1), *keys), unique)


def create_indexes(db: Database[Doc], specs: Iterable[IndexSpec]) -> None:
    """Create every declared index (creating an existing one again does nothing)."""
    for spec in specs:
        db[spec.collection].create_index(
            list(spec.keys), name=spec.name, unique=spec.unique, sparse=spec.sparse
        )


def save_versioned(
    collection: TenantCollection,
    doc: Doc,
    expected_version: int,
    label: str,
    *,
    version_field: str = "version",
) -> Doc:
    """Write `doc` (with its `_id`) over the stored one if its `version_field` is still
    `expected_version`; the written document has the next version, and is returned as
    stored (tenant included). A stale write raises Conflict (409) naming `label`
    ("account 42")."""
    doc = {**doc, version_field: expected_version + 1}
    item_id = doc.pop("_id")
    if not collection.update_one({"_id": item_id, version_field: expected_version}, {"$set": doc}):
        raise Conflict(f"{label} was changed by someone else; read it again")
    return {**doc, "_id": item_id, "tenant_id": collection.tenant_id}


@dataclass(frozen=True)
class SortKey:
    """The order of a list: a document field, its direction, and the kind of its
    values (how a cursor carries them). `index_direction` is the direction the index
    holds the field in; a sort either way runs on it (walked backwards)."""

    field: str
    descending: bool
    kind: str = "instant"  # instant, text, decimal or int
    index_direction: int = -1

    @property
    def spec(self) -> list[IndexKey]:
        """The `sort=` of the query: the field, then `_id` to break ties."""
        direction = -1 if self.descending else 1
        return [(self.field, direction), ("_id", direction)]

    @property
    def index_spec(self) -> list[IndexKey]:
        """The tail of the index that serves this sort."""
        return [(self.field, self.index_direction), ("_id", self.index_direction)]

    def encode(self, doc: Doc) -> str:
        """The cursor of a page that ended at `doc`."""
        value = doc.get(self.field)
        if isinstance(value, datetime):
            value = value.isoformat()
        elif isinstance(value, Decimal128):
            value = str(value.to_decimal())
        return encode_cursor([value, doc["_id"]])

    def decode(self, cursor: str) -> tuple[Any, str] | None:
        """The (value, id) a cursor carries, typed; None for the first page. A cursor
        this sort did not issue is a ValidationFailed on `cursor`."""
        raw = decode_cursor(cursor)
        if raw is None:
            return None
        if len(raw) != 2 or not isinstance(raw[1], str):
            raise invalid_cursor()
        value = raw[0]
        try:
            if self.kind == "instant":
                value = datetime.fromisoformat(value)
            elif self.kind == "decimal":
                value = decimal128(Decimal(value))
            elif (self.kind == "int" and not isinstance(value, int)) or (
                self.kind == "text" and not isinstance(value, str)
            ):
                raise ValueError(value)
        except (ValueError, TypeError, ArithmeticError) as exc:
            raise invalid_cursor() from exc
        return value, raw[1]

    def after(self, position: tuple[Any, str]) -> Doc:
        """The condition "strictly after `position`" in this order."""
        value, last_id = position
        op = "$lt" if self.descending else "$gt"
        return {"$or": [{self.field: {op: value}}, {self.field: value, "_id": {op: last_id}}]}


def page_docs(
    collection: TenantCollection,
    query: Doc,
    sort: SortKey,
    limit: int,
    after: tuple[Any, str] | None,
    hint: str,
) -> list[Doc]:
    """Up to `limit` documents matching `query` in `sort` order, strictly after the
    decoded cursor position `after` (None: from the start), on the index named `hint`.
    Ask for one more than the page size to learn whether another page follows."""
    if after is not None:
        query = {**query, **sort.after(after)}
    return list(collection.find(query, sort=sort.spec, limit=limit, hint=hint))


def stored_version(doc: dict[str, Any] | None) -> int:
    """A tenant-wide document's version (settings, rules, definitions): 1 when none is
    stored yet, or for one written before documents carried a version."""
    return int(doc.get("version", 1)) if doc else 1
