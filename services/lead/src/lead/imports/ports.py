"""What the import's use cases and runner need from storage (see lead.ports)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from lead.imports.domain.jobs import ImportJob
from lead.imports.domain.rows import Tally

Doc = dict[str, Any]


class ImportJobs(Protocol):
    """One tenant's import jobs, their files and row errors inside one transaction."""

    def put_chunk(self, upload_id: str, seq: int, data: bytes, by: str, now: datetime) -> None:
        """Keep one chunk of an upload (a chunk sent twice replaces itself)."""

    def file_bytes(self, upload_id: str, chunk_count: int, by: str) -> bytes:
        """The upload's chunks joined, or 422 naming what is amiss."""

    def delete_file(self, upload_id: str) -> None: ...

    def add(self, job: ImportJob) -> None:
        """Store a new job (AlreadyExists for a person's idempotency key used before)."""

    def get(self, job_id: str) -> ImportJob | None: ...

    def by_idempotency_key(self, user_id: str, key: str) -> ImportJob | None: ...

    def page(
        self, created_by: str, limit: int, after: tuple[datetime, str] | None
    ) -> list[ImportJob]:
        """Newest first; only `created_by`'s jobs unless it is empty."""

    def holds(self, job_id: str, owner: str, processed_rows: int) -> bool: ...

    def checkpoint(
        self,
        job: ImportJob,
        owner: str,
        rows: int,
        tally: Tally,
        lease_until: datetime,
        now: datetime,
    ) -> bool:
        """Move the checkpoint `rows` on if `owner` still holds the job where it was."""

    def finish(self, job: ImportJob, owner: str) -> bool: ...

    def note_failure(self, job_id: str, owner: str, error: str) -> None: ...

    def add_errors(self, job_id: str, rows: list[Doc]) -> None: ...

    def errors_between(self, job_id: str, after_row: int, before_row: int) -> list[Doc]: ...


class ImportQueue(Protocol):
    """The worker's reads and writes across tenants."""

    # What the store raises when it is out of reach for a moment: the runner pauses.
    transient_errors: tuple[type[BaseException], ...]

    def claim_next_import(
        self, owner: str, now: datetime, lease_until: datetime
    ) -> ImportJob | None:
        """Take the oldest queued job, or a running one whose lease ran out."""

    def release_import(self, job_id: str, owner: str) -> None: ...

    def sweep_uploads(self, older_than: datetime) -> int:
        """Delete chunks of uploads no queued or running job needs; how many."""

    def outbox_backlog(self, limit: int) -> int:
        """How many events wait for the relay, counted up to `limit`."""
