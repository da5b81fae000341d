"""Response models filled by field name, for the many that copy a proto message or a
stored record one to one. What is not one to one is passed as an override, so a
mapper lists only its rules.

Proto fields map by their type: Money -> `Money` (absent: None), Timestamp -> an aware
datetime (absent: None where the model allows it), an enum -> its lower-case name
without the enum's prefix ("" for UNSPECIFIED), custom field values -> the typed map,
a repeated message -> the list of the model the field is declared with, a map -> a
dict, other repeated fields -> a list.
"""

from __future__ import annotations

import re
import types
from collections.abc import Mapping
from datetime import UTC
from typing import Any, TypeVar, Union, cast, get_args, get_origin

from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.internal.enum_type_wrapper import EnumTypeWrapper
from google.protobuf.message import Message
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from gateway.schemas.values import custom_fields_out, enum_text, money_field

M = TypeVar("M", bound=BaseModel)
MONEY = "crm.common.v1.Money"
CUSTOM_FIELD = "crm.common.v1.CustomFieldValue"
TIMESTAMP = "google.protobuf.Timestamp"


def from_proto(model: type[M], message: Message, **overrides: Any) -> M:
    """`model` with each of its fields taken from the field of `message` of that name."""
    # The C implementation's descriptors are typed apart; they behave the same.
    fields = cast("Mapping[str, FieldDescriptor]", message.DESCRIPTOR.fields_by_name)
    values = {
        name: overrides[name] if name in overrides else _value(message, fields[name], info)
        for name, info in model.model_fields.items()
    }
    return model(**values)


def from_record(model: type[M], record: object, **overrides: Any) -> M:
    """`model` with each of its fields taken from the attribute of `record` of that name
    (a stored dataclass; tuples become lists)."""
    values = {}
    for name in model.model_fields:
        value = overrides[name] if name in overrides else getattr(record, name)
        values[name] = list(value) if isinstance(value, tuple) else value
    return model(**values)


def enum_prefix(enum_name: str) -> str:
    """`AccountTier` -> "ACCOUNT_TIER_", the prefix of its values by the proto style."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", enum_name).upper() + "_"


def _value(message: Message, field: FieldDescriptor, info: FieldInfo) -> Any:
    value = getattr(message, field.name)
    if field.enum_type is not None:
        enum = EnumTypeWrapper(field.enum_type)
        return enum_text(enum, value, enum_prefix(field.enum_type.name))
    if field.message_type is None:
        return list(value) if field.is_repeated else value
    kind = field.message_type.full_name
    if field.message_type.GetOptions().map_entry:
        return dict(value)
    if field.is_repeated:
        if kind == CUSTOM_FIELD:
            return custom_fields_out(value)
        item = _list_item(info.annotation)
        return [from_proto(item, m) for m in value]
    if kind == MONEY:
        return money_field(message, field.name)
    if kind == TIMESTAMP:
        if _optional(info.annotation) and not message.HasField(field.name):
            return None
        return value.ToDatetime(tzinfo=UTC)
    raise TypeError(f"{field.full_name}: give {info.alias or field.name} as an override")


def _list_item(annotation: Any) -> type[BaseModel]:
    (item,) = get_args(annotation)
    if not (get_origin(annotation) is list and issubclass(item, BaseModel)):
        raise TypeError(f"{annotation} is not a list of models")
    return item  # type: ignore[no-any-return]


def _optional(annotation: Any) -> bool:
    return get_origin(annotation) in (Union, types.UnionType) and type(None) in get_args(annotation)
