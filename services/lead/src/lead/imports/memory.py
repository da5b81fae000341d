"""Import jobs, their files and row errors in memory (lead.imports.ports), beside the
Mongo store in lead.imports.store and held to the same contract suite."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from crm_runtime.errors import AlreadyExists
from crm_runtime.storage.memory import MemoryTransaction, MemoryUnitOfWork

from lead.imports.domain.jobs import QUEUED, RUNNING, ImportJob, joined_chunks
from lead.imports.domain.rows import Tally

Doc = dict[str, Any]
NEVER = datetime(1970, 1, 1, tzinfo=UTC)  # a queued job's lease: long expired
JOBS, CHUNKS, ERRORS = "lead_imports", "lead_import_chunks", "lead_import_errors"


def _idempotency(job: ImportJob) -> str:
    key = job.idempotency_key
    return f"key:{job.created_by}:{key}" if key else f"job:{job.id}"


class MemoryImportJobs:
    def __init__(self, tx: MemoryTransaction, tenant_id: str) -> None:
        self.tx = tx
        self.tenant_id = tenant_id
        self.jobs = tx.table(JOBS)  # (tenant, id) -> {"job", "lease_until"}
        self.chunks = tx.table(CHUNKS)  # (tenant, upload, seq) -> chunk
        self.errors = tx.table(ERRORS)  # (tenant, job, row) -> row error

    def put_chunk(self, upload_id: str, seq: int, data: bytes, by: str, now: datetime) -> None:
        chunk = {"seq": seq, "data": data, "created_by": by, "created_at": now}
        self.chunks[(self.tenant_id, upload_id, seq)] = chunk

    def _chunks(self, upload_id: str) -> list[Doc]:
        return [c for (t, u, _), c in self.chunks.items() if (t, u) == (self.tenant_id, upload_id)]

    def file_bytes(self, upload_id: str, chunk_count: int, by: str) -> bytes:
        chunks = [(c["seq"], c["data"], c["created_by"]) for c in self._chunks(upload_id)]
        return joined_chunks(chunks, upload_id, chunk_count, by)

    def delete_file(self, upload_id: str) -> None:
        for key in [k for k in self.chunks if k[:2] == (self.tenant_id, upload_id)]:
            del self.chunks[key]

    def _mine(self) -> list[ImportJob]:
        return [e["job"] for (t, _), e in self.jobs.items() if t == self.tenant_id]

    def add(self, job: ImportJob) -> None:
        if any(_idempotency(j) == _idempotency(job) for j in self._mine()):
            raise AlreadyExists(f"an import with idempotency key {job.idempotency_key}")
        stored = replace(job, tenant_id=self.tenant_id, lease_owner="")
        self.jobs[(self.tenant_id, job.id)] = {"job": stored, "lease_until": NEVER}
        self.tx.record(job.started_event())

    def get(self, job_id: str) -> ImportJob | None:
        entry = self.jobs.get((self.tenant_id, job_id))
        return entry["job"] if entry else None

    def by_idempotency_key(self, user_id: str, key: str) -> ImportJob | None:
        wanted = f"key:{user_id}:{key}"
        return next((j for j in self._mine() if key and _idempotency(j) == wanted), None)

    def page(
        self, created_by: str, limit: int, after: tuple[datetime, str] | None
    ) -> list[ImportJob]:
        jobs = [j for j in self._mine() if not created_by or j.created_by == created_by]
        if after is not None:
            jobs = [j for j in jobs if (j.created_at, j.id) < after]
        return sorted(jobs, key=lambda j: (j.created_at, j.id), reverse=True)[:limit]

    def holds(self, job_id: str, owner: str, processed_rows: int) -> bool:
        job = self.get(job_id)
        return bool(
            job
            and job.status == RUNNING
            and job.lease_owner == owner
            and job.processed_rows == processed_rows
        )

    def checkpoint(
        self,
        job: ImportJob,
        owner: str,
        rows: int,
        tally: Tally,
        lease_until: datetime,
        now: datetime,
    ) -> bool:
        if not self.holds(job.id, owner, job.processed_rows):
            return False
        stored = self.get(job.id)
        assert stored is not None
        counts = {k: getattr(stored.tally, k) + getattr(tally, k) for k in vars(tally)}
        moved = replace(
            stored,
            processed_rows=job.processed_rows + rows,
            attempts=0,
            error="",
            version=stored.version + 1,
            tally=Tally(**counts),
        )
        self.jobs[(self.tenant_id, job.id)] = {"job": moved, "lease_until": lease_until}
        return True

    def finish(self, job: ImportJob, owner: str) -> bool:
        stored = self.get(job.id)
        if stored is None or stored.lease_owner != owner or stored.status != RUNNING:
            return False
        ended = replace(
            stored,
            status=job.status,
            error=job.error,
            finished_at=job.finished_at,
            version=job.version,
            lease_owner="",
        )
        self.jobs[(self.tenant_id, job.id)] = {"job": ended, "lease_until": NEVER}
        self.tx.record(job.finished_event())
        return True

    def note_failure(self, job_id: str, owner: str, error: str) -> None:
        entry = self.jobs.get((self.tenant_id, job_id))
        if entry and entry["job"].lease_owner == owner:
            job = entry["job"]
            entry["job"] = replace(job, attempts=job.attempts + 1, error=error[:500])

    def add_errors(self, job_id: str, rows: list[Doc]) -> None:
        for r in rows:
            key = (self.tenant_id, job_id, r["row"])
            if key in self.errors:
                raise AlreadyExists(f"row {r['row']} of import {job_id} has errors already")
            self.errors[key] = {"_id": f"{job_id}:{r['row']}", "job_id": job_id, **r}

    def errors_between(self, job_id: str, after_row: int, before_row: int) -> list[Doc]:
        found = [
            doc
            for (t, j, row), doc in self.errors.items()
            if (t, j) == (self.tenant_id, job_id) and after_row < row < before_row
        ]
        return sorted(found, key=lambda d: int(d["row"]))


class MemoryImportQueue:
    """The worker's reads and writes across tenants (lead.imports.ports.ImportQueue)."""

    transient_errors: tuple[type[BaseException], ...] = ()

    def __init__(self, uow: MemoryUnitOfWork) -> None:
        self.uow = uow

    def claim_next_import(
        self, owner: str, now: datetime, lease_until: datetime
    ) -> ImportJob | None:
        with self.uow.lock:
            jobs = self.uow.tables.setdefault(JOBS, {})
            waiting = [
                e
                for e in jobs.values()
                if e["job"].status in (QUEUED, RUNNING) and e["lease_until"] < now
            ]
            if not waiting:
                return None
            entry = min(waiting, key=lambda e: e["job"].created_at)
            job = entry["job"]
            started = min(job.started_at, now) if job.started_at else now
            entry["job"] = replace(job, status=RUNNING, lease_owner=owner, started_at=started)
            entry["lease_until"] = lease_until
            return entry["job"]  # type: ignore[no-any-return]

    def release_import(self, job_id: str, owner: str) -> None:
        with self.uow.lock:
            for (_, found), entry in self.uow.tables.get(JOBS, {}).items():
                job = entry["job"]
                if found == job_id and job.lease_owner == owner and job.status == RUNNING:
                    entry["job"], entry["lease_until"] = replace(job, lease_owner=""), NEVER

    def sweep_uploads(self, older_than: datetime) -> int:
        with self.uow.lock:
            chunks = self.uow.tables.get(CHUNKS, {})
            live = {
                (e["job"].tenant_id, e["job"].file.upload_id)
                for e in self.uow.tables.get(JOBS, {}).values()
                if e["job"].status in (QUEUED, RUNNING)
            }
            old = {k[:2] for k, c in chunks.items() if c["created_at"] < older_than}
            gone = [k for k in chunks if k[:2] in old - live]
            for key in gone:
                del chunks[key]
            return len(gone)

    def outbox_backlog(self, limit: int) -> int:
        return 0  # committed events count as published: nothing waits for a relay
