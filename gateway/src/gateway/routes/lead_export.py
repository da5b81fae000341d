"""GET /v1/leads.csv: the leads GET /v1/leads would list, as one CSV file.

Streamed page by page from ListLeads (the same filters, the same data scope: a manager
exports the team's leads), so a large export never sits in memory. Columns carry the
lead fields' names, which the import reads back (ADR 14). `leads.csv` rather than
`leads/export`: nothing under /v1/leads/ may look like a lead's id.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Annotated

from crm.common.v1 import common_pb2
from crm.lead.v1 import lead_pb2 as pb
from crm_runtime.paging import MAX_LIMIT
from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse

from gateway.access.guard import authorize
from gateway.conventions.instants import instant_query, parse_instant
from gateway.conventions.paging import Many
from gateway.conventions.problems import PROBLEM_RESPONSES
from gateway.conventions.spreadsheets import CSV_MEDIA_TYPE, attachment, csv_lines
from gateway.dependencies import CallOptions, LeadClient
from gateway.identity.caller import Caller
from gateway.schemas.lead_work import Band, Status, lead_filter
from gateway.schemas.leads import LeadOut, Source, lead_out

router = APIRouter(tags=["leads"], responses=PROBLEM_RESPONSES)

COLUMNS = (
    "id",
    "name",
    "company",
    "phone",
    "email",
    "source",
    "channel_detail",
    "status",
    "owner_id",
    "region",
    "industry",
    "product_line",
    "tags",
    "notes",
    "score",
    "score_band",
    "duplicate_of",
    "created_by",
    "created_at",
    "updated_at",
)


def _cells(lead: LeadOut, custom: list[str]) -> list[object]:
    values = lead.model_dump()
    values["tags"] = "; ".join(lead.tags)
    for name in ("created_at", "updated_at"):
        values[name] = values[name].isoformat().replace("+00:00", "Z")
    return [values[name] for name in COLUMNS] + [lead.custom_fields.get(k, "") for k in custom]


@router.get(
    "/v1/leads.csv",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "The leads as CSV",
            "content": {"text/csv": {"schema": {"type": "string"}}},
        }
    },
    summary="Export the leads a list would show, as CSV",
)
async def export_leads(
    caller: Annotated[Caller, Depends(authorize("lead:export"))],
    lead_service: LeadClient,
    options: CallOptions,
    owner_id: Annotated[list[str], Many],
    status: Annotated[list[Status], Many],
    source: Annotated[list[Source], Many],
    score_band: Annotated[list[Band], Many],
    tag: Annotated[list[str], Many],
    created_at_from: Annotated[str | None, instant_query("Created at or after (RFC 3339)")] = None,
    created_at_to: Annotated[str | None, instant_query("Created at or before (RFC 3339)")] = None,
    q: Annotated[str, Query(max_length=100, description="name, company or phone")] = "",
) -> StreamingResponse:
    """The filters of GET /v1/leads, newest first, every page. UTF-8 with a byte-order
    mark (Excel shows the Chinese), a header row (the lead fields, then each custom
    field under its label), one lead per line; a cell that a spreadsheet would run as a
    formula (`=`, `+`, `-`, `@`) starts with `'`. Reps may not export: a list leaves
    with whoever has it."""
    wanted = lead_filter(
        owner_id,
        status,
        source,
        score_band,
        tag,
        parse_instant("created_at_from", created_at_from),
        parse_instant("created_at_to", created_at_to),
        q,
    )

    async def page(cursor: str) -> pb.ListLeadsResponse:
        return await lead_service.ListLeads(
            pb.ListLeadsRequest(
                filter=wanted, page=common_pb2.PageRequest(limit=MAX_LIMIT, cursor=cursor)
            ),
            **options,
        )

    first = await page("")  # before the answer starts: a bad filter is still a 422
    fields = await lead_service.ListCustomFieldDefinitions(
        pb.ListCustomFieldDefinitionsRequest(), **options
    )
    custom = [f.key for f in fields.fields]

    async def lines() -> AsyncIterator[bytes]:
        reply = first
        yield csv_lines([[*COLUMNS, *(f.label or f.key for f in fields.fields)]], first=True)
        while True:
            if reply.leads:
                yield csv_lines(_cells(lead_out(lead), custom) for lead in reply.leads)
            if not reply.page.next_cursor:
                return
            reply = await page(reply.page.next_cursor)

    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    return StreamingResponse(
        lines(), media_type=CSV_MEDIA_TYPE, headers=attachment(f"leads-{stamp}.csv")
    )
