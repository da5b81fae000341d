"""Work on leads: list filters and pages, claims, assignment, status changes and
follow-ups, and their mapping to and from crm.lead.v1."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from crm.lead.v1 import lead_pb2 as pb
from crm_runtime.rpc.protojson import timestamp
from pydantic import BaseModel, ConfigDict, Field

from gateway.conventions.bodies import RequestBody
from gateway.schemas.leads import LeadOut, Source
from gateway.schemas.mapping import from_proto

Status = Literal["new", "assigned", "contacted", "qualified", "disqualified", "converted"]

Band = Literal["hot", "warm", "cold"]


Kind = Literal["call", "visit", "wechat", "email", "meeting"]


class LeadPage(BaseModel):
    items: list[LeadOut]
    next_cursor: str


def lead_filter(
    owner_id: list[str],
    status: list[Status],
    source: list[Source],
    score_band: list[Band],
    tag: list[str],
    created_from: datetime | None,
    created_to: datetime | None,
    q: str,
) -> pb.LeadFilter:
    return pb.LeadFilter(
        owner_ids=owner_id,
        statuses=[pb.LeadStatus.Value(f"LEAD_STATUS_{s.upper()}") for s in status],
        sources=list(source),
        score_bands=list(score_band),
        tags=tag,
        created_from=timestamp(created_from),
        created_to=timestamp(created_to),
        text=q,
    )


class Reason(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"reason": "客户暂无预算，半年后再跟进"}]}
    )
    reason: str = Field(min_length=1, max_length=500)


class Assignment(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"owner_id": "u-li-wei", "reason": "熟悉制造业客户"}]}
    )
    owner_id: str = Field("", max_length=64, description="empty: run the assignment rules")
    reason: str = Field("", max_length=500)


class StatusChange(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"status": "qualified", "reason": ""}]}
    )
    status: Status
    reason: str = Field("", max_length=500, description="required to disqualify")


class MergeRequest(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"merged_id": "7d9c1f2e-0000-4000-8000-000000000001"}]}
    )
    merged_id: str = Field(min_length=1, max_length=64, description="the duplicate to fold in")


class LeadFollowUpIn(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "kind": "call",
                    "notes": "电话沟通，确认 200 个座席需求",
                    "next_step": "发送报价",
                    "next_step_at": "2030-01-15T02:00:00Z",
                }
            ]
        }
    )
    kind: Kind
    notes: str = Field(min_length=1, max_length=4000)
    next_step: str = Field("", max_length=500)
    next_step_at: datetime | None = Field(
        None, strict=False, description="when the next step is planned (future)"
    )


class LeadFollowUpOut(BaseModel):
    id: str
    lead_id: str
    kind: Kind
    notes: str
    next_step: str
    next_step_at: datetime | None
    by_user_id: str
    at: datetime


class LeadFollowUpPage(BaseModel):
    items: list[LeadFollowUpOut]
    next_cursor: str


def follow_up_out(f: pb.FollowUp) -> LeadFollowUpOut:
    # The lead's follow-up kinds keep their proto name, UNSPECIFIED included.
    kind = pb.FollowUpKind.Name(f.kind).removeprefix("FOLLOW_UP_KIND_").lower()
    return from_proto(LeadFollowUpOut, f, kind=kind)
