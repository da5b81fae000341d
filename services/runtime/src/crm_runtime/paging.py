"""Cursor paging shared by every list: opaque cursors that carry the last sort key."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from typing import Any

from crm_runtime.errors import FieldViolation, ValidationFailed

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


def page_limit(requested: int) -> int:
    if requested == 0:
        return DEFAULT_LIMIT
    if not 1 <= requested <= MAX_LIMIT:
        raise ValidationFailed(
            [FieldViolation("limit", f"must be between 1 and {MAX_LIMIT}, got {requested}")]
        )
    return requested


def invalid_cursor() -> ValidationFailed:
    return ValidationFailed([FieldViolation("cursor", "is not a cursor this API issued")])


def encode_cursor(key: list[Any]) -> str:
    raw = json.dumps(key, separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> list[Any] | None:
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise ValidationFailed(
            [FieldViolation("cursor", "is not a cursor this API issued")]
        ) from exc
    if not isinstance(value, list):
        raise invalid_cursor()
    return value


def encode_position(at: datetime, item_id: str) -> str:
    """The cursor of a newest-first page that ended at (`at`, `item_id`)."""
    return encode_cursor([at.isoformat(), item_id])


def decode_position(cursor: str) -> tuple[datetime, str] | None:
    """The (instant, id) a cursor from `encode_position` carries; None for the first page."""
    raw = decode_cursor(cursor)
    if raw is None:
        return None
    try:
        return datetime.fromisoformat(raw[0]), str(raw[1])
    except (ValueError, IndexError, TypeError) as exc:
        raise invalid_cursor() from exc
