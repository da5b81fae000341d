"""Conversions between protobuf well-known types and plain Python, shared by servicers
and the gateway so that every process reads and writes them the same way."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from google.protobuf import json_format, struct_pb2
from google.protobuf.timestamp_pb2 import Timestamp


def timestamp(moment: datetime | None) -> Timestamp | None:
    """A protobuf Timestamp of an aware datetime; None (field left unset) for None."""
    if moment is None:
        return None
    stamp = Timestamp()
    stamp.FromDatetime(moment)
    return stamp


def _whole_numbers(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _whole_numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_whole_numbers(v) for v in value]
    return value


def struct_to_dict(message: struct_pb2.Struct) -> dict[str, Any]:
    """A Struct as plain JSON values. Struct carries every number as a double; whole
    numbers become ints again, so `{"claim_limit": 2}` reads back as 2, not 2.0."""
    values: dict[str, Any] = _whole_numbers(json_format.MessageToDict(message))
    return values
