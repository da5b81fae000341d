"""/v1/lead-imports: bulk import of leads from a CSV file (ADR 14).

The file is the request body (`Content-Type: text/csv`), options are query parameters.
The gateway passes it to the lead service in chunks of 1 MiB (gRPC messages stay under
their 4 MB limit; the service stores each chunk as it comes), then starts the job and
answers 202 with it; the lead worker imports the rows. Progress: GET the job. Rows that
could not be imported: GET .../errors, a CSV of those rows with why, to fix and import.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from typing import Annotated, Literal

from crm.common.v1 import common_pb2
from crm.lead.v1 import lead_pb2 as pb
from crm_runtime.errors import FieldViolation, ValidationFailed
from crm_runtime.paging import MAX_LIMIT
from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, Response
from fastapi.responses import StreamingResponse

from gateway.access.guard import authorize
from gateway.conventions.paging import DEFAULT, Cursor, Limit
from gateway.conventions.problems import PROBLEM_RESPONSES, TITLES, Problem
from gateway.conventions.spreadsheets import CSV_MEDIA_TYPE, attachment, csv_lines
from gateway.dependencies import CallOptions, LeadClient
from gateway.identity.caller import Caller
from gateway.schemas.lead_imports import ImportJobOut, ImportJobPage, job_out
from gateway.schemas.leads import Source
from gateway.traffic.idempotency import HEADER
from gateway.traffic.middleware import UPLOAD_BODY_BYTES

router = APIRouter(tags=["lead imports"], responses=PROBLEM_RESPONSES)

CHUNK = 1 << 20
CSV_TYPES = frozenset(
    {
        "text/csv",
        "text/plain",
        "application/csv",
        "application/vnd.ms-excel",
        "application/octet-stream",
    }
)
ImportId = Annotated[str, Path(min_length=1, max_length=64, description="The import's id")]
EXAMPLE_CSV = "姓名,公司名称,手机,邮箱,线索来源\r\n张伟,上海云图科技有限公司,13800138000,zhang@example.cn,展会\r\n"
UPLOAD_BODY = {
    "required": True,
    "description": (
        "The CSV file as exported from a spreadsheet: UTF-8 (with or without a byte-order "
        "mark) or GBK, comma, semicolon or tab separated, a header row, at most 100,000 "
        "rows and 64 MiB"
    ),
    "content": {
        "text/csv": {"schema": {"type": "string", "format": "binary"}, "example": EXAMPLE_CSV},
        "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
    },
}
CSV_ANSWER = {"content": {"text/csv": {"schema": {"type": "string"}}}}


def _text(value: str) -> str | None:
    """`value` if it is text gRPC can carry (JSON escapes can make lone surrogates)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return None
    return value


def _header_map(raw: str) -> dict[str, str]:
    if not raw:
        return {}
    try:
        found = json.loads(raw)
    except ValueError:
        found = None
    if not isinstance(found, dict) or not all(
        isinstance(k, str) and isinstance(v, str) and None not in (_text(k), _text(v))
        for k, v in found.items()
    ):
        raise ValidationFailed(
            [
                FieldViolation(
                    "header_map", 'must be a JSON object of strings: {"CSV header": "field"}'
                )
            ]
        )
    return found


async def _body(request: Request) -> bytes:
    """The upload, refused at once past the limit (even without a Content-Length)."""
    media = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media not in CSV_TYPES:
        raise HTTPException(
            415,
            "send the CSV file as the body with Content-Type: text/csv "
            "(curl: -H 'Content-Type: text/csv' --data-binary @leads.csv)",
        )
    body = bytearray()
    async for part in request.stream():
        body += part
        if len(body) > UPLOAD_BODY_BYTES:
            raise HTTPException(413, f"the file must be at most {UPLOAD_BODY_BYTES >> 20} MiB")
    if not body.strip():
        raise ValidationFailed([FieldViolation("csv", "is empty")])
    return bytes(body)


@router.post(
    "/v1/lead-imports",
    status_code=202,
    response_model=ImportJobOut,
    summary="Import leads from a CSV file (asynchronous)",
    openapi_extra={"requestBody": UPLOAD_BODY},
    responses={415: {"model": Problem, "description": TITLES[415]}},
)
async def start_import(
    caller: Annotated[Caller, Depends(authorize("lead:import"))],
    lead_service: LeadClient,
    options: CallOptions,
    request: Request,
    response: Response,
    encoding: Annotated[
        Literal["utf-8", "gbk", "gb18030"] | None,
        Query(description="the file's encoding; left out: detected (UTF-8 or GBK)"),
    ] = None,
    header_map: Annotated[
        str,
        Query(
            max_length=4000,
            description="JSON object, CSV header -> lead field (name, company, phone, email, "
            "source, channel_detail, region, industry, product_line, notes, tags, "
            'custom_fields.<key>; "" leaves a column out), e.g. {"客户": "name"}. Columns '
            "not named are matched by common Chinese and English headers",
        ),
    ] = "",
    default_source: Annotated[
        Source | None, Query(description="channel of rows without one; left out: import")
    ] = None,
    file_name: Annotated[str, Query(max_length=200, description="shown with the job")] = "",
) -> ImportJobOut:
    """Every row goes through the capture of POST /v1/leads (validation, the tenant's
    duplicate policy, scoring, assignment rules); a file that cannot be imported at all
    (not CSV, wrong encoding, no name column, over 100,000 rows) is refused with 422.
    With an `Idempotency-Key`, sending the file again never starts a second import."""
    columns = _header_map(header_map)
    data = await _body(request)
    upload_id = uuid.uuid4().hex
    count = -(-len(data) // CHUNK)
    for seq in range(count):
        await lead_service.UploadImportChunk(
            pb.UploadImportChunkRequest(
                upload_id=upload_id, seq=seq, data=data[seq * CHUNK : (seq + 1) * CHUNK]
            ),
            **options,
        )
    reply = await lead_service.StartImport(
        pb.StartImportRequest(
            upload_id=upload_id,
            chunk_count=count,
            encoding=encoding or "",
            header_map=columns,
            idempotency_key=request.headers.get(HEADER, ""),
            default_source=default_source or "",
            file_name=file_name,
        ),
        **{**options, "timeout": options["timeout"] * 6},  # reading 64 MiB takes a moment
    )
    response.headers["Location"] = f"/v1/lead-imports/{reply.job.id}"
    return job_out(reply.job)


@router.get("/v1/lead-imports", response_model=ImportJobPage, summary="Imports, newest first")
async def list_imports(
    caller: Annotated[Caller, Depends(authorize("lead:import"))],
    lead_service: LeadClient,
    options: CallOptions,
    limit: Limit = DEFAULT,
    cursor: Cursor = "",
) -> ImportJobPage:
    """The caller's own imports; all of the tenant's for roles that see everything."""
    reply = await lead_service.ListImports(
        pb.ListImportsRequest(page=common_pb2.PageRequest(limit=limit, cursor=cursor)),
        **options,
    )
    return ImportJobPage(items=[job_out(j) for j in reply.jobs], next_cursor=reply.page.next_cursor)


@router.get(
    "/v1/lead-imports/{import_id}", response_model=ImportJobOut, summary="An import's progress"
)
async def get_import(
    import_id: ImportId,
    caller: Annotated[Caller, Depends(authorize("lead:import"))],
    lead_service: LeadClient,
    options: CallOptions,
) -> ImportJobOut:
    reply = await lead_service.GetImport(pb.GetImportRequest(id=import_id), **options)
    return job_out(reply.job)


def _error_lines(page: pb.ListImportErrorsResponse) -> list[list[object]]:
    return [
        [
            row.row,
            "; ".join(e.field for e in row.errors),
            "; ".join(e.column for e in row.errors),
            "; ".join(e.rule for e in row.errors),
            *row.values,
        ]
        for row in page.rows
    ]


@router.get(
    "/v1/lead-imports/{import_id}/errors",
    response_class=StreamingResponse,
    responses={200: {"description": "The rows not imported, as CSV", **CSV_ANSWER}},
    summary="The rows an import could not import, as CSV",
)
async def import_errors(
    import_id: ImportId,
    caller: Annotated[Caller, Depends(authorize("lead:import"))],
    lead_service: LeadClient,
    options: CallOptions,
) -> StreamingResponse:
    """One line per row not imported: `row` (as a spreadsheet numbers it), the `field`s,
    their CSV `column`s and the `rule`s each broke (or `duplicate of <lead id>`), then
    the row's cells as read, under the file's own header: fix them and import the file
    again (the first four columns are ignored then). UTF-8 with a byte-order mark."""

    async def page(cursor: str) -> pb.ListImportErrorsResponse:
        return await lead_service.ListImportErrors(
            pb.ListImportErrorsRequest(
                id=import_id, page=common_pb2.PageRequest(limit=MAX_LIMIT, cursor=cursor)
            ),
            **options,
        )

    first = await page("")  # before the answer starts: 404 and 422 are still problems

    async def lines() -> AsyncIterator[bytes]:
        reply = first
        yield csv_lines([["row", "field", "column", "rule", *reply.headers]], first=True)
        while True:
            if reply.rows:
                yield csv_lines(_error_lines(reply))
            if not reply.page.next_cursor:
                return
            reply = await page(reply.page.next_cursor)

    name = import_id if import_id.replace("-", "").isalnum() and import_id.isascii() else "job"
    return StreamingResponse(
        lines(), media_type=CSV_MEDIA_TYPE, headers=attachment(f"lead-import-{name}-errors.csv")
    )
