"""Leads: capture and the lead answered everywhere, typed custom field values, and
their mapping to and from crm.lead.v1."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from crm.lead.v1 import lead_pb2
from fastapi import Path
from pydantic import BaseModel, ConfigDict, Field

from gateway.conventions.bodies import RequestBody
from gateway.schemas.mapping import from_proto
from gateway.schemas.values import CustomIn, CustomOut, custom_fields_out, output_enum

Source = Literal["web", "wechat", "trade_show", "third_party", "referral", "phone", "import", "api"]


LeadId = Annotated[str, Path(min_length=1, max_length=64, description="The lead's id")]


CUSTOM_FIELDS_DESCRIPTION = (
    "The tenant's custom fields by key (GET /v1/lead-custom-fields): text, a number, a "
    "date as YYYY-MM-DD or one of a choice field's values; null or empty: not given"
)


class LeadCreate(RequestBody):
    """A new lead. The lead service checks the rules (lengths, phone, email) and
    names every field that breaks one."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "张伟",
                    "company": "上海云图科技有限公司",
                    "phone": "+86 138-0013-8000",
                    "email": "zhang.wei@example.cn",
                    "source": "web",
                    "region": "上海",
                    "industry": "软件",
                    "tags": ["官网", "SaaS"],
                    "channel_detail": "产品试用申请",
                    "custom_fields": {"budget": 50000, "visit_date": "2026-12-01"},
                }
            ]
        }
    )

    name: str = Field(max_length=100, description="Contact name; required")
    company: str = Field("", max_length=200, description="Company name")
    phone: str = Field("", max_length=32, description="Phone; Chinese mobiles with or without +86")
    email: str = Field("", max_length=254, description="Email address")
    source: Source = Field(description="Channel the lead came from")
    owner_id: str = Field("", max_length=64, description="Owner user id; empty: the caller")
    region: str = Field("", max_length=100)
    industry: str = Field("", max_length=100)
    product_line: str = Field("", max_length=100)
    tags: list[Annotated[str, Field(max_length=50)]] = Field(default_factory=list, max_length=20)
    notes: str = Field("", max_length=2000, description="Free text")
    channel_detail: str = Field(
        "",
        max_length=50,
        description="Which one of the source: the trade show, platform, referrer or form; "
        "the lead is also tagged `<source>:<detail>`",
    )
    custom_fields: CustomIn = Field(
        default_factory=dict, max_length=50, description=CUSTOM_FIELDS_DESCRIPTION
    )


class ScoreReasonOut(BaseModel):
    rule: str
    points: int
    explanation: str


class LeadOut(BaseModel):
    id: str
    name: str
    company: str
    phone: str = Field(description="E.164")
    email: str
    source: str
    owner_id: str
    status: str = output_enum(
        [
            n.removeprefix("LEAD_STATUS_").lower()
            for n in lead_pb2.LeadStatus.DESCRIPTOR.values_by_name
        ][1:]
    )
    region: str
    industry: str
    product_line: str
    tags: list[str]
    notes: str
    score: int
    created_at: datetime
    updated_at: datetime
    version: int
    score_band: str = Field(
        "",
        description="by the tenant's thresholds",
        json_schema_extra={"enum": ["hot", "warm", "cold", ""]},
    )
    score_reasons: list[ScoreReasonOut] = Field(
        default_factory=list, description="what made the score"
    )
    assignment_rule: str = Field("", description='"manual", "claim", "pool" or the rule\'s name')
    assignment_reason: str = Field("", description="why the lead went where it went, in words")
    duplicate_of: str = Field("", description="flagged as a probable duplicate of that lead")
    merged_into: str = ""
    disqualify_reason: str = ""
    owned_since: datetime | None = None
    last_follow_up_at: datetime | None = None
    channel_detail: str = ""
    created_by: str = Field("", description="Who captured it: a person, a key, or form:<form id>")
    custom_fields: CustomOut = Field(
        default_factory=dict, description="Typed values, retired fields' values included"
    )
    account_id: str = Field("", description="set once converted: the account it became")
    contact_id: str = Field("", description="set once converted: its contact")
    opportunity_id: str = Field("", description="set once converted: its opportunity")


def lead_out(lead: lead_pb2.Lead) -> LeadOut:
    return from_proto(
        LeadOut,
        lead,
        # Lead statuses keep their proto name; custom fields are typed JSON by key.
        status=lead_pb2.LeadStatus.Name(lead.status).removeprefix("LEAD_STATUS_").lower(),
        custom_fields=custom_fields_out(lead.custom_fields),
    )
