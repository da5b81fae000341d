"""The event catalogue: which events an endpoint may take, each with the JSON Schema
of its `data`, read from its crm.events.v1 message (the protos stay the one source of
the event schema)."""

from __future__ import annotations

from functools import cache
from typing import Any

from crm_runtime.messaging.schema import event_messages
from google.protobuf.descriptor import FieldDescriptor

# What each source service publishes that integrations may take.
SUBSCRIBABLE: dict[str, tuple[str, ...]] = {
    "lead": (
        "LeadCreated",
        "LeadUpdated",
        "LeadAssigned",
        "LeadStatusChanged",
        "LeadMerged",
        "LeadRecycled",
        "LeadConverted",
    ),
    "opportunity": (
        "AccountCreated",
        "AccountUpdated",
        "ContactAdded",
        "OpportunityCreated",
        "OpportunityStageChanged",
        "OpportunityWon",
        "OpportunityLost",
        "QuoteIssued",
        "QuoteApprovalDecided",
    ),
}
EVENT_TYPES: tuple[str, ...] = tuple(t for types in SUBSCRIBABLE.values() for t in types)

_SCALARS: dict[int, dict[str, Any]] = {
    FieldDescriptor.TYPE_STRING: {"type": "string"},
    FieldDescriptor.TYPE_BOOL: {"type": "boolean"},
    FieldDescriptor.TYPE_DOUBLE: {"type": "number"},
    FieldDescriptor.TYPE_FLOAT: {"type": "number"},
    FieldDescriptor.TYPE_INT32: {"type": "integer"},
    FieldDescriptor.TYPE_UINT32: {"type": "integer"},
    FieldDescriptor.TYPE_SINT32: {"type": "integer"},
    # proto JSON writes 64-bit integers as strings
    FieldDescriptor.TYPE_INT64: {"type": ["string", "integer"]},
    FieldDescriptor.TYPE_UINT64: {"type": ["string", "integer"]},
    FieldDescriptor.TYPE_SINT64: {"type": ["string", "integer"]},
    FieldDescriptor.TYPE_BYTES: {"type": "string", "contentEncoding": "base64"},
}
_WELL_KNOWN: dict[str, dict[str, Any]] = {
    "google.protobuf.Timestamp": {"type": "string", "format": "date-time"},
    "google.protobuf.Struct": {"type": "object"},
    "google.protobuf.Value": {},
}


def _field(field: Any, depth: int) -> dict[str, Any]:
    enum, message = field.enum_type, field.message_type
    if field.type == FieldDescriptor.TYPE_ENUM and enum is not None:
        schema: dict[str, Any] = {"type": "string", "enum": [v.name for v in enum.values]}
    elif field.type == FieldDescriptor.TYPE_MESSAGE and message is not None:
        if message.GetOptions().map_entry:
            value = message.fields_by_name["value"]
            return {"type": "object", "additionalProperties": _field(value, depth)}
        schema = _WELL_KNOWN.get(message.full_name) or _message(message, depth + 1)
    else:
        schema = dict(_SCALARS.get(field.type, {}))
    if field.is_repeated:
        return {"type": "array", "items": schema}
    return schema


def _message(descriptor: Any, depth: int = 0) -> dict[str, Any]:
    if depth > 5:
        return {"type": "object"}
    return {
        "type": "object",
        "properties": {f.name: _field(f, depth) for f in descriptor.fields},
    }


@cache
def schema_of(event_type: str) -> dict[str, Any]:
    """The JSON Schema of an event's `data` (proto JSON, field names as in the proto)."""
    descriptor = event_messages()[event_type].DESCRIPTOR
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": event_type,
        **_message(descriptor),
    }


def source_of(event_type: str) -> str:
    return next((s for s, types in SUBSCRIBABLE.items() if event_type in types), "notification")
