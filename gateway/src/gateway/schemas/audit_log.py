"""Entries of the tenant's audit log and their page."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class AuditEntryOut(BaseModel):
    id: str
    at: datetime
    actor_id: str = Field(description="The person or the API key's principal")
    credential_kind: str = Field(
        description="form: a public web form",
        json_schema_extra={"enum": ["user", "api_key", "form"]},
    )
    credential_id: str = Field(description="The API key's id, or session:<id> for a person")
    roles: list[str]
    action: str = Field(description="The action the route declares, e.g. lead:create")
    method: str
    path: str
    resource: dict[str, str] = Field(description="The ids in the path")
    status: int = Field(description="The HTTP status the write got")
    replayed: bool = Field(description="Answered from an earlier request's Idempotency-Key")
    request_id: str


class AuditPage(BaseModel):
    items: list[AuditEntryOut]
    next_cursor: str
