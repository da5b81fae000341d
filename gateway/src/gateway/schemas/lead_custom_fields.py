"""The tenant's custom lead field definitions, and their mapping to and from
crm.lead.v1."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

from crm.lead.v1 import lead_pb2 as pb
from pydantic import BaseModel, ConfigDict, Field, JsonValue

from gateway.conventions.bodies import RequestBody

FieldType = Literal["text", "number", "date", "choice"]


Bound = int | float | None


EXAMPLE: list[JsonValue] = [
    {"key": "budget", "label": "预算（元）", "type": "number", "min_value": 0, "decimals": 2},
    {"key": "visit_date", "label": "计划拜访日期", "type": "date"},
    {
        "key": "segment",
        "label": "客户分层",
        "type": "choice",
        "choices": ["大客户", "中小企业"],
        "required": True,
    },
    {"key": "wechat_id", "label": "微信号", "type": "text", "max_length": 40},
]


class LeadCustomFieldDefinition(RequestBody):
    model_config = ConfigDict(json_schema_extra={"examples": [EXAMPLE[0]]})

    key: str = Field(
        min_length=1,
        max_length=40,
        description="Lower-case letters, digits and _, starting with a letter; never a "
        "built-in lead field. A key keeps its type for good.",
    )
    label: str = Field(min_length=1, max_length=100, description="What people see")
    type: FieldType
    required: bool = Field(False, description="A lead cannot be captured without it")
    choices: list[Annotated[str, Field(min_length=1, max_length=100)]] = Field(
        default_factory=list, max_length=100, description="choice: the allowed values, in order"
    )
    max_length: int | None = Field(None, ge=1, le=2000, description="text: default 500")
    min_value: Bound = Field(None, description="number: the smallest value allowed")
    max_value: Bound = Field(None, description="number: the largest value allowed")
    decimals: int | None = Field(None, ge=0, le=9, description="number: decimal places allowed")


class LeadCustomFieldDefinitionOut(LeadCustomFieldDefinition):
    retired: bool = False


class CustomFields(RequestBody):
    """Every active field, in display order. A field left out is retired: leads keep its
    values, it takes no new ones, and naming it again (same type) brings it back."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"fields": EXAMPLE}]})
    fields: list[LeadCustomFieldDefinition] = Field(max_length=50)


class CustomFieldsOut(BaseModel):
    fields: list[LeadCustomFieldDefinitionOut] = Field(
        description="Active fields, in display order"
    )
    retired: list[LeadCustomFieldDefinitionOut] = Field(
        description="Retired fields: their values stay on leads"
    )


def _number(text: str) -> int | float:
    number = Decimal(text)
    return int(number) if number == number.to_integral_value() else float(number)


def definitions_out(reply: Any) -> CustomFieldsOut:
    found: list[LeadCustomFieldDefinitionOut] = []
    for f in reply.fields:
        found.append(
            LeadCustomFieldDefinitionOut(
                key=f.key,
                label=f.label,
                type=pb.CustomFieldType.Name(f.type).removeprefix("CUSTOM_FIELD_TYPE_").lower(),
                required=f.required,
                choices=list(f.choices),
                max_length=f.max_length if f.HasField("max_length") else None,
                min_value=_number(f.min_value) if f.HasField("min_value") else None,
                max_value=_number(f.max_value) if f.HasField("max_value") else None,
                decimals=f.decimals if f.HasField("decimals") else None,
                retired=f.retired,
            )
        )
    return CustomFieldsOut(
        fields=[f for f in found if not f.retired], retired=[f for f in found if f.retired]
    )


def definition_to_proto(field: LeadCustomFieldDefinition) -> pb.CustomFieldDefinition:
    message = pb.CustomFieldDefinition(
        key=field.key,
        label=field.label,
        type=pb.CustomFieldType.Value(f"CUSTOM_FIELD_TYPE_{field.type.upper()}"),
        required=field.required,
        choices=field.choices,
    )
    if field.max_length is not None:
        message.max_length = field.max_length
    for name in ("min_value", "max_value"):
        bound = getattr(field, name)
        if bound is not None:
            setattr(message, name, repr(bound))
    if field.decimals is not None:
        message.decimals = field.decimals
    return message
