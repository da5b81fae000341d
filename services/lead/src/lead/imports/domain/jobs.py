"""An import job: the file's layout, who started it, where the worker got to, what
happened to the rows, and the two events it records (started, finished). Pure.

`processed_rows` is the checkpoint: the first `processed_rows` data rows of the file are
imported or reported, and the counts say what became of them. It moves only in the
same transaction as the leads of the rows it covers, so after a crash a worker goes on
from it and no row is imported twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from crm_runtime.errors import FieldViolation, ValidationFailed
from crm_runtime.messaging.events import DomainEvent
from crm_runtime.principal import Principal

from lead.imports.domain.csv_files import MAX_BYTES
from lead.imports.domain.rows import Columns, Layout, Tally

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
# A file is kept as chunks of at most 1 MiB (a MongoDB document holds 16 MB at most).
CHUNK_BYTES = 1 << 20
MAX_CHUNKS = MAX_BYTES // CHUNK_BYTES
MAX_ATTEMPTS = 5  # a batch that fails this often in a row fails the job


@dataclass(frozen=True)
class ImportFile:
    upload_id: str
    chunk_count: int
    size: int
    sha256: str
    name: str = ""


@dataclass(frozen=True)
class ImportJob:
    id: str
    tenant_id: str
    created_by: str
    team_id: str
    roles: tuple[str, ...]
    scope: str
    idempotency_key: str
    file: ImportFile
    layout: Layout
    default_source: str
    created_at: datetime
    status: str = QUEUED
    processed_rows: int = 0
    tally: Tally = field(default_factory=Tally)
    error: str = ""
    attempts: int = 0
    version: int = 1
    started_at: datetime | None = None
    finished_at: datetime | None = None
    lease_owner: str = ""  # the worker importing it now

    @property
    def columns(self) -> Columns:
        return self.layout.columns

    @property
    def finished(self) -> bool:
        return self.status in (DONE, FAILED)

    def principal(self) -> Principal:
        """Rows are captured as the person who started the import."""
        return Principal(self.tenant_id, self.created_by, self.roles, self.scope, self.team_id)

    def started_event(self) -> DomainEvent:
        return self._event(
            "LeadImportStarted",
            self.created_at,
            total_rows=self.layout.total_rows,
            file_name=self.file.name,
        )

    def finish(self, status: str, now: datetime, error: str = "") -> ImportJob:
        """The job ended (done or failed), with LeadImportFinished to tell whoever cares."""
        return replace(self, status=status, error=error, finished_at=now, version=self.version + 1)

    def finished_event(self) -> DomainEvent:
        t = self.tally
        return self._event(
            "LeadImportFinished",
            self.finished_at or self.created_at,
            status=self.status,
            total_rows=self.layout.total_rows,
            created=t.created,
            flagged=t.flagged,
            merged=t.merged,
            failed=t.failed,
            error=self.error,
        )

    def _event(self, event_type: str, at: datetime, **payload: object) -> DomainEvent:
        return DomainEvent(
            event_type=event_type,
            tenant_id=self.tenant_id,
            aggregate_type="lead_import",
            aggregate_id=self.id,
            aggregate_version=self.version,
            occurred_at=at,
            payload={"import_id": self.id, "started_by": self.created_by, **payload},
        )


def can_see(principal: Principal, job: ImportJob) -> bool:
    """Whoever started it, and those who see all of the tenant's records."""
    return principal.scope == "all" or principal.user_id == job.created_by


def progress_note(job: ImportJob) -> str:
    """One line for logs: where the job is."""
    t = job.tally
    return (
        f"import {job.id}: {job.processed_rows}/{job.layout.total_rows} rows, {t.created} "
        f"created, {t.flagged} flagged, {t.merged} merged, {t.failed} failed"
    )


def joined_chunks(
    chunks: list[tuple[int, bytes, str]], upload_id: str, chunk_count: int, by: str
) -> bytes:
    """An upload's chunks (seq, data, sender) 0 .. chunk_count - 1 joined, or 422 naming
    what is amiss; another person's upload does not exist for `by`."""
    ordered = sorted(chunks)
    if any(sender != by for _, _, sender in ordered):
        ordered = []
    found = [seq for seq, _, _ in ordered]
    if found != list(range(chunk_count)):
        missing = sorted(set(range(chunk_count)) - set(found))[:10]
        rule = (
            f"chunks {missing} of upload {upload_id} were not received"
            if missing
            else f"upload {upload_id} has {len(found)} chunks, not {chunk_count}"
        )
        raise ValidationFailed([FieldViolation("chunk_count", rule)])
    return b"".join(data for _, data, _ in ordered)
