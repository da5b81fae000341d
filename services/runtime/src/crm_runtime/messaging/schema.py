"""Event payloads checked against their crm.events.v1 messages, so the proto files stay
the one source of the event schema (ARCHITECTURE.md, decision 3)."""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache
from typing import Any

from google.protobuf import json_format
from google.protobuf.message import Message

EVENTS_PACKAGE = "crm.events.v1"


@cache
def event_messages() -> dict[str, type[Message]]:
    """Every message class of crm.events.v1 by name (imports the generated modules)."""
    package = importlib.import_module(EVENTS_PACKAGE)
    found: dict[str, type[Message]] = {}
    for info in pkgutil.iter_modules(package.__path__):
        if not info.name.endswith("_pb2"):
            continue
        module = importlib.import_module(f"{EVENTS_PACKAGE}.{info.name}")
        for name in module.DESCRIPTOR.message_types_by_name:
            found[name] = getattr(module, name)
    return found


def payload_message(event_type: str, payload: dict[str, Any]) -> Message:
    """Parse `payload` into its event message; raises ValueError on unknown types/fields."""
    cls = event_messages().get(event_type)
    if cls is None or event_type == "EventEnvelope":
        raise ValueError(f"{event_type!r} is not an event of {EVENTS_PACKAGE}")
    try:
        return json_format.ParseDict(payload, cls())
    except json_format.ParseError as exc:
        raise ValueError(f"payload of {event_type} does not match its schema: {exc}") from exc


def canonical_payload(event_type: str, payload: dict[str, Any]) -> dict[str, Any]:
    """The payload as the proto JSON mapping writes it (snake_case, defaults included)."""
    return json_format.MessageToDict(
        payload_message(event_type, payload),
        preserving_proto_field_name=True,
        always_print_fields_with_no_presence=True,
    )
