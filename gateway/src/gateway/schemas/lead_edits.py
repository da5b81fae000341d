"""Changes to a lead (PATCH) and the duplicate check before capture."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from gateway.conventions.bodies import RequestBody
from gateway.schemas.leads import CUSTOM_FIELDS_DESCRIPTION, Source
from gateway.schemas.values import CustomIn

Tag = Annotated[str, Field(max_length=50)]


class LeadPatch(RequestBody):
    """The fields to change, and only those: a field left out keeps its value, an empty
    string clears it. The owner changes by assignment, the status by a status change."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "phone": "+86 139-0013-9000",
                    "notes": "换了新号码",
                    "custom_fields": {"budget": 80000, "visit_date": None},
                }
            ]
        }
    )

    name: str | None = Field(None, max_length=100)
    company: str | None = Field(None, max_length=200)
    phone: str | None = Field(None, max_length=32)
    email: str | None = Field(None, max_length=254)
    source: Source | None = None
    region: str | None = Field(None, max_length=100)
    industry: str | None = Field(None, max_length=100)
    product_line: str | None = Field(None, max_length=100)
    tags: list[Tag] | None = Field(None, max_length=20)
    notes: str | None = Field(None, max_length=2000)
    channel_detail: str | None = Field(None, max_length=50)
    custom_fields: CustomIn | None = Field(
        None,
        max_length=50,
        description=CUSTOM_FIELDS_DESCRIPTION + "; only the keys sent change, null clears one",
    )


class DuplicateProbe(RequestBody):
    """What a capture would carry; the lead service matches its normal forms."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"name": "张伟", "phone": "+86 138 0013 8000", "email": "zw@example.cn"}]
        }
    )

    name: str = Field("", max_length=100, description="Needed for a match on the company")
    company: str = Field("", max_length=200)
    phone: str = Field("", max_length=32)
    email: str = Field("", max_length=254)


class LeadDuplicateOut(BaseModel):
    lead_id: str
    matched_on: list[str] = Field(description="phone, email and/or company")


class DuplicateCheckOut(BaseModel):
    matches: list[LeadDuplicateOut] = Field(description="Live leads of the tenant, oldest first")
