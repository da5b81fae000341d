"""Contract templates (合同模板): kind, typed merge fields, versioned clause text, and
their mapping to and from crm.contract.v1."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from crm.contract.v1 import contract_pb2 as pb
from pydantic import BaseModel, ConfigDict, Field

from gateway.conventions.bodies import RequestBody
from gateway.schemas.mapping import from_proto

TemplateKind = Literal["sales", "framework", "supplement"]
FieldType = Literal["text", "money", "date", "party", "lines", "instalments"]
FieldSource = Literal["manual", "account", "opportunity", "quote", "contract"]
KEY = r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$"

TEMPLATE_EXAMPLE: dict[str, Any] = {
    "name": "销售合同（标准）",
    "code": "SALES-STD",
    "kind": "sales",
    "fields": [
        {"key": "customer.name", "label": "客户名称", "type": "party", "source": "account"},
        {"key": "delivery_date", "label": "交货日期", "type": "date"},
    ],
    "clauses": [
        {
            "key": "subject",
            "title": "合同标的",
            "text": "乙方向{{customer.name}}提供软件。",
            "standard": True,
        }
    ],
}


class MergeFieldIn(RequestBody):
    key: str = Field(pattern=KEY, max_length=64, description='named in clause text as "{{key}}"')
    label: str = Field(min_length=1, max_length=100)
    type: FieldType
    source: FieldSource = "manual"
    required: bool = False
    default_value: str = Field("", max_length=2000)


class ClauseIn(RequestBody):
    key: str = Field(pattern=KEY, max_length=64)
    title: str = Field(min_length=1, max_length=200)
    text: str = Field(
        min_length=1, max_length=20000, description="may name merge fields as {{key}}"
    )
    standard: bool = Field(False, description="the tenant's standard wording")


class TemplateIn(RequestBody):
    model_config = ConfigDict(json_schema_extra={"examples": [TEMPLATE_EXAMPLE]})
    name: str = Field(min_length=1, max_length=100)
    code: str = Field(
        pattern=r"^[A-Z0-9][A-Z0-9_-]{0,39}$", description="unique per tenant; never changes"
    )
    kind: TemplateKind = Field(
        description="sales 销售合同, framework 框架协议, supplement 补充协议"
    )
    fields: list[MergeFieldIn] = Field(default_factory=list, max_length=100)
    clauses: list[ClauseIn] = Field(min_length=1, max_length=200)
    active: bool = True


class TemplatePatch(RequestBody):
    """Only the fields to change (null changes nothing: none can be emptied); each change
    is a new version of the template."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"name": "销售合同（2027版）"}]})
    name: str | None = Field(None, min_length=1, max_length=100)
    kind: TemplateKind | None = None
    fields: list[MergeFieldIn] | None = Field(None, max_length=100)
    clauses: list[ClauseIn] | None = Field(None, min_length=1, max_length=200)
    active: bool | None = None


class MergeFieldOut(BaseModel):
    key: str
    label: str
    type: str
    source: str
    required: bool
    default_value: str


class TemplateClauseOut(BaseModel):
    key: str
    title: str
    text: str
    standard: bool


class TemplateOut(BaseModel):
    id: str
    code: str
    name: str
    kind: str
    fields: list[MergeFieldOut]
    clauses: list[TemplateClauseOut]
    active: bool
    version: int = Field(description="Also the ETag; every version stays readable (?version=)")
    created_by: str
    created_at: datetime
    updated_by: str
    updated_at: datetime


class TemplatePage(BaseModel):
    items: list[TemplateOut]
    next_cursor: str


MASK = {
    "name": "name",
    "kind": "kind",
    "fields": "placeholders",
    "clauses": "clauses",
    "active": "active",
}


def _fields(items: list[MergeFieldIn]) -> list[pb.Placeholder]:
    return [
        pb.Placeholder(
            key=f.key,
            label=f.label,
            type=f.type,
            source=f.source,
            required=f.required,
            default_value=f.default_value,
        )
        for f in items
    ]


def _clauses(items: list[ClauseIn]) -> list[pb.Clause]:
    return [pb.Clause(key=c.key, title=c.title, text=c.text, standard=c.standard) for c in items]


def template_input(body: TemplateIn) -> pb.ContractTemplateInput:
    return pb.ContractTemplateInput(
        name=body.name,
        code=body.code,
        kind=body.kind,
        active=body.active,
        placeholders=_fields(body.fields),
        clauses=_clauses(body.clauses),
    )


def template_patch(body: TemplatePatch) -> tuple[pb.ContractTemplateInput, list[str]]:
    named = [n for n in MASK if getattr(body, n) is not None]  # null: no change
    msg = pb.ContractTemplateInput(
        name=body.name or "",
        kind=body.kind or "",
        active=bool(body.active),
        placeholders=_fields(body.fields or []),
        clauses=_clauses(body.clauses or []),
    )
    return msg, [MASK[n] for n in named]


def template_out(t: pb.ContractTemplate) -> TemplateOut:
    return from_proto(TemplateOut, t, fields=[from_proto(MergeFieldOut, p) for p in t.placeholders])
