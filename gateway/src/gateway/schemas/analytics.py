"""Lead analytics read models (GET /v1/analytics/...)."""

from __future__ import annotations

from pydantic import BaseModel


class LeadCountOut(BaseModel):
    day: str
    source: str
    count: int


class LeadSummary(BaseModel):
    counts: list[LeadCountOut]
    total: int
