"""Protobuf messages of the bulk import (crm.lead.v1) to use-case values and back."""

from __future__ import annotations

from typing import Any

from crm.lead.v1 import lead_pb2 as pb
from crm_runtime.rpc.protojson import timestamp

from lead.imports.domain.jobs import ImportJob
from lead.imports.use_cases import StartImport


def start_from_proto(msg: pb.StartImportRequest) -> StartImport:
    return StartImport(
        csv=msg.csv,
        upload_id=msg.upload_id,
        chunk_count=msg.chunk_count,
        encoding=msg.encoding,
        header_map=dict(msg.header_map),
        idempotency_key=msg.idempotency_key,
        default_source=msg.default_source,
        file_name=msg.file_name,
    )


def job_to_proto(job: ImportJob) -> pb.ImportJob:
    t = job.tally
    return pb.ImportJob(
        id=job.id,
        status=job.status,
        total_rows=job.layout.total_rows,
        processed_rows=job.processed_rows,
        created=t.created,
        merged=t.merged,
        failed=t.failed,
        flagged=t.flagged,
        rejected_duplicates=t.rejected_duplicates,
        encoding=job.layout.encoding,
        header_map=job.columns.mapping(),
        default_source=job.default_source,
        file_name=job.file.name,
        created_by=job.created_by,
        error=job.error,
        created_at=timestamp(job.created_at),
        started_at=timestamp(job.started_at),
        finished_at=timestamp(job.finished_at),
    )


def error_row_to_proto(row: dict[str, Any]) -> pb.ImportRowError:
    return pb.ImportRowError(
        row=int(row["row"]),
        errors=[
            pb.ImportFieldError(field=e["field"], column=e["column"], rule=e["rule"])
            for e in row["errors"]
        ],
        values=[str(v) for v in row["values"]],
    )
