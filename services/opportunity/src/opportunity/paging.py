"""Keyset paging on any sort the lists offer: a page ends at (sort value, id), and the
next page starts strictly after it, so pages never skip or repeat a record however
many records share a value. Cursors are opaque to callers; values are typed here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from bson.decimal128 import Decimal128
from crm_runtime.paging import decode_cursor, encode_cursor, invalid_cursor

from opportunity.documents import decimal128

# The direction each sort field is indexed in.
INDEX_DIRECTIONS = {"name_key": 1, "close_date": 1}


@dataclass(frozen=True)
class SortKey:
    field: str  # the document field
    descending: bool
    kind: str = "instant"  # instant, text, decimal, int

    @property
    def spec(self) -> list[tuple[str, int]]:
        direction = -1 if self.descending else 1
        return [(self.field, direction), ("_id", direction)]

    @property
    def index_spec(self) -> list[tuple[str, int]]:
        """The order the index holds (a sort either way runs on it, walked backwards)."""
        direction = INDEX_DIRECTIONS.get(self.field, -1)
        return [(self.field, direction), ("_id", direction)]

    def encode(self, doc: dict[str, Any]) -> str:
        value = doc.get(self.field)
        if isinstance(value, datetime):
            value = value.isoformat()
        elif isinstance(value, Decimal128):
            value = str(value.to_decimal())
        return encode_cursor([value, doc["_id"]])

    def decode(self, cursor: str) -> tuple[Any, str] | None:
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

    def after(self, position: tuple[Any, str]) -> dict[str, Any]:
        """Records strictly after `position` in this order."""
        value, last_id = position
        op = "$lt" if self.descending else "$gt"
        return {"$or": [{self.field: {op: value}}, {self.field: value, "_id": {op: last_id}}]}
