"""Approvals: the approvers' queue and their decisions, and the mapping from
crm.opportunity.v1."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from crm.opportunity.v1 import opportunity_pb2 as pb
from pydantic import BaseModel, ConfigDict, Field

from gateway.conventions.bodies import RequestBody
from gateway.schemas.mapping import from_proto
from gateway.schemas.opportunities import OpportunityOut
from gateway.schemas.values import Money, proto_enum

STATUS, KIND = "APPROVAL_STATUS_", "APPROVAL_KIND_"


class ApprovalOut(BaseModel):
    id: str
    kind: str = proto_enum(pb.ApprovalKind)
    status: str = proto_enum(pb.ApprovalStatus)
    opportunity_id: str
    opportunity_name: str
    account_id: str
    owner_id: str
    from_stage: str
    to_stage: str
    quote_id: str
    quote_version: int
    discount_percent: str
    amount: Money | None
    threshold: Money | None
    approver_role: str
    requested_by: str
    requested_at: datetime
    note: str
    decided_by: str
    decided_at: datetime | None
    reason: str
    threshold_percent: str = Field(description="quote discount: the threshold it is above")


class ApprovalPage(BaseModel):
    items: list[ApprovalOut]
    next_cursor: str


def approval_out(a: pb.Approval) -> ApprovalOut:
    return from_proto(ApprovalOut, a)


class DecisionIn(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"decision": "approve", "reason": "", "decision_key": "oa-2030-000123"}]
        }
    )
    decision: Literal["approve", "reject"]
    reason: str = Field("", max_length=1000, description="required to reject")
    decision_key: str = Field(
        "",
        max_length=128,
        description="an OA system's id of the decision: repeated, it returns the first result",
    )


class DecisionOut(BaseModel):
    approval: ApprovalOut
    opportunity: OpportunityOut | None
