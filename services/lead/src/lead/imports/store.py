"""Import jobs, their uploaded files and their row errors on MongoDB.

A file is kept as chunk documents of at most 1 MiB (a document holds 16 MB at most),
keyed by tenant, upload and sequence number: an upload survives any process, and a
chunk sent twice replaces itself. A job's checkpoint (`processed_rows` and the counts)
moves with a conditional update that names the worker holding the job's lease and the
checkpoint it started from, inside the transaction that writes the rows' leads.

Queries name only indexed fields: the embedded MongoDB scans the collection when a
query adds a predicate its index does not hold (ADR 14).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from crm_runtime.errors import AlreadyExists
from crm_runtime.storage.mongo import Doc, TenantCollection, Transaction
from crm_runtime.storage.repository import SortKey, index_name, page_docs
from pymongo import ASCENDING, ReturnDocument
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from lead.imports.domain.jobs import QUEUED, RUNNING, ImportFile, ImportJob, joined_chunks
from lead.imports.domain.rows import Columns, Layout, Tally

IMPORTS, CHUNKS, ERRORS = "lead_imports", "lead_import_chunks", "lead_import_errors"
NEVER = datetime(1970, 1, 1, tzinfo=UTC)  # a queued job's lease: long expired
NEWEST = SortKey("created_at", descending=True)
_COUNTS = ("created", "flagged", "merged", "failed", "rejected_duplicates")


def idempotency_of(user_id: str, key: str) -> str:
    return f"key:{user_id}:{key}" if key else ""


def job_to_doc(job: ImportJob) -> Doc:
    layout, f = job.layout, job.file
    return {
        "_id": job.id,
        # unique per tenant: a person's key, or the job itself when there is none
        "idempotency": idempotency_of(job.created_by, job.idempotency_key) or f"job:{job.id}",
        "idempotency_key": job.idempotency_key,
        "status": job.status,
        "created_by": job.created_by,
        "team_id": job.team_id,
        "roles": list(job.roles),
        "scope": job.scope,
        "file": {
            "upload_id": f.upload_id,
            "chunk_count": f.chunk_count,
            "size": f.size,
            "sha256": f.sha256,
            "name": f.name,
        },
        "encoding": layout.encoding,
        "delimiter": layout.delimiter,
        "header_row": layout.header_row,
        "headers": list(layout.columns.headers),
        "fields": list(layout.columns.fields),
        "total_rows": layout.total_rows,
        "last_row": layout.last_row,
        "default_source": job.default_source,
        "processed_rows": job.processed_rows,
        **{name: getattr(job.tally, name) for name in _COUNTS},
        "error": job.error,
        "attempts": job.attempts,
        "version": job.version,
        "created_at": job.created_at,
        "lease_owner": "",
        "lease_until": NEVER,
        # absent until set: the claim's $min fills started_at in only the first time
        **{
            k: v for k, v in (("started_at", job.started_at), ("finished_at", job.finished_at)) if v
        },
    }


def job_from_doc(doc: Doc) -> ImportJob:
    f = doc["file"]
    columns = Columns(tuple(doc["headers"]), tuple(doc["fields"]))
    layout = Layout(
        doc["encoding"],
        doc["delimiter"],
        doc["header_row"],
        columns,
        doc["total_rows"],
        doc["last_row"],
    )
    return ImportJob(
        id=doc["_id"],
        tenant_id=doc["tenant_id"],
        created_by=doc["created_by"],
        team_id=doc.get("team_id", ""),
        roles=tuple(doc.get("roles", ())),
        scope=doc.get("scope", "own"),
        idempotency_key=doc.get("idempotency_key", ""),
        file=ImportFile(f["upload_id"], f["chunk_count"], f["size"], f["sha256"], f["name"]),
        layout=layout,
        default_source=doc["default_source"],
        created_at=doc["created_at"],
        status=doc["status"],
        processed_rows=doc["processed_rows"],
        tally=Tally(**{name: doc.get(name, 0) for name in _COUNTS}),
        error=doc.get("error", ""),
        attempts=doc.get("attempts", 0),
        version=doc.get("version", 1),
        started_at=doc.get("started_at"),
        finished_at=doc.get("finished_at"),
        lease_owner=doc.get("lease_owner", ""),
    )


class ImportRepository:
    """One tenant's imports inside one transaction."""

    def __init__(self, tx: Transaction, tenant_id: str) -> None:
        self.tx = tx
        self.jobs: TenantCollection = tx.collection(IMPORTS, tenant_id)
        self.chunks: TenantCollection = tx.collection(CHUNKS, tenant_id)
        self.errors: TenantCollection = tx.collection(ERRORS, tenant_id)

    # The file ------------------------------------------------------------------------

    def put_chunk(self, upload_id: str, seq: int, data: bytes, by: str, now: datetime) -> None:
        self.chunks.update_one(
            {"upload_id": upload_id, "seq": seq},
            {"$set": {"data": data, "size": len(data), "created_by": by, "created_at": now}},
            upsert=True,
        )

    def file_bytes(self, upload_id: str, chunk_count: int, by: str) -> bytes:
        """The upload's chunks 0 .. chunk_count - 1 joined, or 422 naming what is amiss."""
        docs = self.chunks.find({"upload_id": upload_id})
        chunks = [(d["seq"], bytes(d["data"]), d["created_by"]) for d in docs]
        return joined_chunks(chunks, upload_id, chunk_count, by)

    def delete_file(self, upload_id: str) -> None:
        self.chunks.raw.delete_many(
            {"tenant_id": self.chunks.tenant_id, "upload_id": upload_id},
            session=self.chunks.session,
        )

    # Jobs ----------------------------------------------------------------------------

    def add(self, job: ImportJob) -> None:
        try:
            self.jobs.insert_one(job_to_doc(job))
        except DuplicateKeyError as exc:
            raise AlreadyExists(f"an import with idempotency key {job.idempotency_key}") from exc
        self.tx.record(job.started_event())

    def get(self, job_id: str) -> ImportJob | None:
        doc = self.jobs.find_one({"_id": job_id})
        return job_from_doc(doc) if doc else None

    def by_idempotency_key(self, user_id: str, key: str) -> ImportJob | None:
        doc = self.jobs.find_one({"idempotency": idempotency_of(user_id, key)})
        return job_from_doc(doc) if doc else None

    def page(
        self, created_by: str, limit: int, after: tuple[datetime, str] | None
    ) -> list[ImportJob]:
        """Newest first; only `created_by`'s jobs unless it is empty."""
        query: dict[str, Any] = {"created_by": created_by} if created_by else {}
        by = (("created_by", 1),) if created_by else ()
        hint = index_name(("tenant_id", 1), *by, *NEWEST.index_spec)
        docs = page_docs(self.jobs, query, NEWEST, limit, after, hint)
        return [job_from_doc(d) for d in docs]

    def holds(self, job_id: str, owner: str, processed_rows: int) -> bool:
        doc = self.jobs.find_one({"_id": job_id})
        return bool(
            doc
            and doc["status"] == RUNNING
            and doc["lease_owner"] == owner
            and doc["processed_rows"] == processed_rows
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
        """Move the checkpoint `rows` on from where `job` is, if `owner` still holds it
        there; False when another worker took the job over (nothing may be written)."""
        return bool(
            self.jobs.update_one(
                {
                    "_id": job.id,
                    "lease_owner": owner,
                    "processed_rows": job.processed_rows,
                    "status": RUNNING,
                },
                {
                    "$set": {
                        "processed_rows": job.processed_rows + rows,
                        "attempts": 0,
                        "error": "",
                        "lease_until": lease_until,
                        "updated_at": now,
                    },
                    "$inc": {"version": 1, **{n: getattr(tally, n) for n in _COUNTS}},
                },
            )
        )

    def finish(self, job: ImportJob, owner: str) -> bool:
        """Record `job` done or failed (and LeadImportFinished) if `owner` holds it."""
        changed = self.jobs.update_one(
            {"_id": job.id, "lease_owner": owner, "status": RUNNING},
            {
                "$set": {
                    "status": job.status,
                    "error": job.error,
                    "finished_at": job.finished_at,
                    "version": job.version,
                    "lease_owner": "",
                    "lease_until": NEVER,
                },
            },
        )
        if changed:
            self.tx.record(job.finished_event())
        return bool(changed)

    def note_failure(self, job_id: str, owner: str, error: str) -> None:
        self.jobs.update_one(
            {"_id": job_id, "lease_owner": owner},
            {"$inc": {"attempts": 1}, "$set": {"error": error[:500]}},
        )

    # Row errors ----------------------------------------------------------------------

    def add_errors(self, job_id: str, rows: list[Doc]) -> None:
        if rows:
            self.errors.insert_many(
                [{"_id": f"{job_id}:{r['row']}", "job_id": job_id, **r} for r in rows]
            )

    def errors_between(self, job_id: str, after_row: int, before_row: int) -> list[Doc]:
        """The errors of rows after `after_row` and before `before_row`, in row order."""
        docs = self.errors.find({"job_id": job_id, "row": {"$gt": after_row, "$lt": before_row}})
        return sorted(docs, key=lambda d: int(d["row"]))


def claim_next(db: Database[Doc], owner: str, now: datetime, lease_until: datetime) -> Doc | None:
    """Take the oldest queued job, or a running one whose worker's lease ran out (it
    died): across tenants, for the worker, which then works inside the job's tenant."""
    return db[IMPORTS].find_one_and_update(
        {"status": {"$in": [QUEUED, RUNNING]}, "lease_until": {"$lt": now}},
        {
            "$set": {"status": RUNNING, "lease_owner": owner, "lease_until": lease_until},
            "$min": {"started_at": now},
        },
        sort=[("created_at", ASCENDING)],
        return_document=ReturnDocument.AFTER,
    )


def release(db: Database[Doc], job_id: str, owner: str) -> None:
    """Give a job's lease up (on shutdown) so that another worker goes on at once."""
    db[IMPORTS].update_one(
        {"_id": job_id, "lease_owner": owner, "status": RUNNING},
        {"$set": {"lease_until": NEVER, "lease_owner": ""}},
    )


def sweep_chunks(db: Database[Doc], older_than: datetime) -> int:
    """Delete the chunks of uploads never started (or of finished jobs) older than the
    cutoff; a queued or running job's file is kept however old."""
    old = {
        (d["tenant_id"], d["upload_id"])
        for d in db[CHUNKS].find(
            {"created_at": {"$lt": older_than}}, projection={"tenant_id": 1, "upload_id": 1}
        )
    }
    live = {
        (d["tenant_id"], d["file"]["upload_id"])
        for d in db[IMPORTS].find(
            {"status": {"$in": [QUEUED, RUNNING]}},
            projection={"tenant_id": 1, "file.upload_id": 1},
        )
    }
    deleted = 0
    for tenant_id, upload_id in old - live:
        deleted += (
            db[CHUNKS].delete_many({"tenant_id": tenant_id, "upload_id": upload_id}).deleted_count
        )
    return deleted
