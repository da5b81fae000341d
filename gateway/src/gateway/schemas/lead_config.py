"""A tenant's lead settings, assignment rules and reps, and their mapping to and from
crm.lead.v1."""

from __future__ import annotations

from typing import Annotated, Any

from crm.lead.v1 import lead_pb2 as pb
from google.protobuf import json_format
from pydantic import BaseModel, ConfigDict, Field

from gateway.conventions.bodies import RequestBody

Names = Annotated[list[Annotated[str, Field(max_length=100)]], Field(max_length=100)]


class Rule(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"name": "hot to seniors", "min_score": 80, "seniors_only": True}]
        }
    )
    name: str = Field(min_length=1, max_length=100)
    group: str = Field("", max_length=100, description="reps of this group; empty: every rep")
    regions: Names = Field(default_factory=list)
    industries: Names = Field(default_factory=list)
    product_lines: Names = Field(default_factory=list)
    min_score: int | None = Field(
        None, ge=0, le=100, description="e.g. 80 to send hot leads to seniors"
    )
    skills: Names = Field(default_factory=list)
    seniors_only: bool = False


class Rules(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "rules": [
                        {"name": "hot to seniors", "min_score": 80, "seniors_only": True},
                        {"name": "east", "group": "east", "regions": ["上海", "江苏", "浙江"]},
                    ]
                }
            ]
        }
    )
    rules: list[Rule] = Field(max_length=100, description="evaluated in this order")


class RepIn(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "李伟",
                    "team_id": "team-east",
                    "groups": ["east"],
                    "skills": ["制造业"],
                    "capacity": 80,
                }
            ]
        }
    )
    name: str = Field("", max_length=100)
    team_id: str = Field("", max_length=64)
    manager_id: str = Field("", max_length=64, description="warned when the rep misses an SLA")
    groups: Names = Field(default_factory=list)
    skills: Names = Field(default_factory=list)
    senior: bool = False
    active: bool = Field(True, description="false once the rep left: never receives leads")
    away: bool = Field(False, description="on leave: skipped by the rules")
    capacity: int | None = Field(
        None, ge=0, le=100_000, description="open leads; empty: the tenant's"
    )


class RepOut(RepIn):
    id: str
    open_leads: int


class Reps(BaseModel):
    items: list[RepOut]


def rep_out(rep: pb.Rep) -> RepOut:
    values = json_format.MessageToDict(
        rep, preserving_proto_field_name=True, always_print_fields_with_no_presence=True
    )
    return RepOut.model_validate(values, strict=False)


def rules_out(reply: Any) -> Rules:
    return Rules(
        rules=[
            Rule.model_validate(json_format.MessageToDict(r, preserving_proto_field_name=True))
            for r in reply.rules
        ]
    )
