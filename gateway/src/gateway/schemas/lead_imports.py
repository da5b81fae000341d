"""Bulk lead import jobs, and their mapping from crm.lead.v1."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from crm.lead.v1 import lead_pb2 as pb
from pydantic import BaseModel, Field

from gateway.schemas.mapping import from_proto


class ImportJobOut(BaseModel):
    id: str
    status: Literal["queued", "running", "done", "failed"]
    total_rows: int = Field(description="rows of the file to import (blank rows left out)")
    processed_rows: int = Field(description="rows imported or reported so far")
    created: int = Field(description="new leads")
    flagged: int = Field(description="new leads marked as a probable duplicate (policy flag)")
    merged: int = Field(description="rows merged into an existing lead (policy merge)")
    failed: int = Field(description="rows not imported: see GET .../errors")
    rejected_duplicates: int = Field(description="of failed: duplicates (policy reject)")
    encoding: str = Field(description="how the file was read: utf-8, utf-8-sig or gb18030")
    header_map: dict[str, str] = Field(description="the columns read: CSV header -> lead field")
    default_source: str
    file_name: str
    created_by: str
    error: str = Field(description="why a failed import failed")
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class ImportJobPage(BaseModel):
    items: list[ImportJobOut]
    next_cursor: str


def job_out(job: pb.ImportJob) -> ImportJobOut:
    return from_proto(ImportJobOut, job)
