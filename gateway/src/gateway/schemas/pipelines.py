"""Pipelines with their stages and gates, and the tenant's opportunity settings."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from crm.opportunity.v1 import opportunity_pb2 as pb
from pydantic import BaseModel, ConfigDict, Field

from gateway.conventions.bodies import RequestBody
from gateway.schemas.mapping import from_proto
from gateway.schemas.values import Money, enum_number, money_to_proto, proto_enum

Names = Annotated[list[Annotated[str, Field(max_length=100)]], Field(max_length=20)]


KIND = "STAGE_KIND_"


class StageIn(RequestBody):
    key: str = Field(
        pattern=r"^[a-z][a-z0-9_]{0,63}$", description="stable code, e.g. needs_confirmed"
    )
    name: str = Field(min_length=1, max_length=100, description="display name, e.g. 需求确认")
    kind: Literal["open", "won", "lost"] = "open"
    win_probability: int = Field(ge=0, le=100)
    position: int = Field(0, ge=0, le=1000, description="order; 0: the list's order")
    required_fields: Names = Field(
        default_factory=list, description="deal fields that must be set to enter"
    )
    required_artefacts: Names = Field(
        default_factory=list, description="artefact kinds that must be supplied"
    )
    allow_skip: bool = Field(False, description="a forward move may jump over this stage")
    requires_approval: bool = Field(
        False, description="big deals entering it wait for the approver"
    )


class PipelineIn(RequestBody):
    """The whole definition; a change is a new version (deals keep theirs)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "硬件产品线",
                    "is_default": False,
                    "stages": [
                        {"key": "initial_contact", "name": "初步接洽", "win_probability": 10},
                        {
                            "key": "needs_confirmed",
                            "name": "需求确认",
                            "win_probability": 30,
                            "required_fields": ["amount", "expected_close_date"],
                        },
                        {
                            "key": "quote_negotiation",
                            "name": "报价谈判",
                            "win_probability": 70,
                            "required_artefacts": ["signed_requirements_doc"],
                            "requires_approval": True,
                        },
                        {"key": "won", "name": "赢单", "kind": "won", "win_probability": 100},
                        {"key": "lost", "name": "输单", "kind": "lost", "win_probability": 0},
                    ],
                    "approval_threshold": {"amount": "300000", "currency": "CNY"},
                    "cadence_days": 3,
                }
            ]
        }
    )
    name: str = Field(max_length=100)
    is_default: bool = False
    active: bool = True
    stages: list[StageIn] = Field(
        min_length=2, max_length=30, description="exactly one won and one lost, at least one open"
    )
    approval_threshold: Money | None = Field(None, description="empty: the tenant's setting")
    approver_role: str = Field(
        "",
        pattern=r"^([a-z][a-z_]{0,63})?$",
        description="a role name; empty: the tenant's setting",
    )
    quote_discount_threshold_percent: str = Field(
        "", max_length=12, pattern=r"^(\d{1,3}(\.\d{1,4})?)?$"
    )
    cadence_days: int = Field(0, ge=0, le=90, description="0: the tenant's setting")


class PipelineReplace(PipelineIn):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "默认销售流程",
                    "is_default": True,
                    "stages": [
                        {"key": "initial_contact", "name": "初步接洽", "win_probability": 10},
                        {
                            "key": "solution",
                            "name": "方案报价",
                            "win_probability": 50,
                            "allow_skip": True,
                        },
                        {"key": "won", "name": "赢单", "kind": "won", "win_probability": 100},
                        {"key": "lost", "name": "输单", "kind": "lost", "win_probability": 0},
                    ],
                }
            ]
        },
    )


class StageOut(BaseModel):
    key: str
    name: str
    kind: str = proto_enum(pb.StageKind)
    win_probability: int
    position: int
    required_fields: list[str]
    required_artefacts: list[str]
    allow_skip: bool
    requires_approval: bool


class PipelineOut(BaseModel):
    id: str
    name: str
    version: int
    is_default: bool
    active: bool
    stages: list[StageOut]
    approval_threshold: Money | None
    approver_role: str
    quote_discount_threshold_percent: str
    cadence_days: int
    created_at: datetime
    updated_at: datetime


class PipelinePage(BaseModel):
    items: list[PipelineOut]
    next_cursor: str


def pipeline_input(body: PipelineIn) -> pb.PipelineInput:
    stages = [
        pb.Stage(**s.model_dump(exclude={"kind"}), kind=enum_number(pb.StageKind, KIND, s.kind))
        for s in body.stages
    ]
    return pb.PipelineInput(
        name=body.name,
        is_default=body.is_default,
        active=body.active,
        stages=stages,
        approval_threshold=money_to_proto(body.approval_threshold),
        approver_role=body.approver_role,
        quote_discount_threshold_percent=body.quote_discount_threshold_percent,
        cadence_days=body.cadence_days,
    )


def pipeline_out(p: pb.Pipeline) -> PipelineOut:
    return from_proto(PipelineOut, p)
