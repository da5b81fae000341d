"""The worker's side of a bulk import: take a job under a lease, read its file, and
capture its rows in batches.

- **One worker per job.** A job is taken with a lease (`claim_next`); only the lease's
  holder may move the checkpoint, and it renews the lease with every batch. Several
  worker replicas share the queue; a job whose worker died is taken over once its
  lease runs out.
- **Exactly once per row.** A batch is one transaction: its leads, their events (the
  outbox), its row errors and the job's checkpoint commit together or not at all, and
  the checkpoint moves only from where this worker found it. A crash anywhere means
  the next worker starts at the last committed batch; a worker that lost its lease
  cannot commit. Each row's lead also has an id derived from (job, row), so a row can
  never become two leads.
- **Bounded ticks.** A tick works for `budget` seconds at most, so that a worker
  shutting down waits for one short tick, not a whole file; its next tick (or another
  replica) goes on from the checkpoint.
- **Backpressure.** A batch waits while `max_backlog` events wait for the outbox relay:
  an import goes as fast as its events can be published, never burying other lead
  events behind a hundred thousand of its own.
"""

from __future__ import annotations

import logging
import socket
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from itertools import islice

from crm_runtime.clock import utcnow
from crm_runtime.errors import AlreadyExists, DomainError, FieldViolation, ValidationFailed
from crm_runtime.principal import Principal

from lead.app import capture
from lead.domain.dedup import find_matches, keys_of_draft
from lead.domain.lead import create_lead
from lead.imports.batch import ImportSession
from lead.imports.domain.csv_files import Record, decode
from lead.imports.domain.jobs import DONE, FAILED, MAX_ATTEMPTS, RUNNING, ImportJob
from lead.imports.domain.rows import RowDraft, Tally, data_rows, draft_of, lead_id_for
from lead.imports.ports import Doc
from lead.ports import LeadStorage, Stores

log = logging.getLogger(__name__)


class LeaseLost(Exception):
    """Another worker holds the job now: this one must not write."""


@dataclass
class _OpenFile:
    job_id: str
    position: int  # rows of the file consumed so far
    rows: Iterator[Record]


def _row_error(record: Record, job: ImportJob, violations: list[FieldViolation]) -> Doc:
    return {
        "row": record.number,
        "errors": [
            {"field": v.field, "column": job.columns.column_of(v.field), "rule": v.description}
            for v in violations
        ],
        "values": list(record.cells),
    }


def import_row(
    s: ImportSession,
    principal: Principal,
    job: ImportJob,
    record: Record,
    row: RowDraft,
    now: datetime,
) -> tuple[str, list[FieldViolation]]:
    """Capture one row: its outcome (created, flagged, merged, failed or
    rejected_duplicates) and, for a row not imported, every rule it broke."""
    lead_id = lead_id_for(job.tenant_id, job.id, record.number)
    schema = s.config.custom_fields()
    if row.violations:  # report the row's other broken rules with it
        try:
            create_lead(
                row.draft,
                lead_id=lead_id,
                tenant_id=job.tenant_id,
                created_by=principal.user_id,
                now=now,
                schema=schema,
            )
            more: list[FieldViolation] = []
        except ValidationFailed as exc:
            more = exc.violations
        return "failed", [*row.violations, *more]
    s.leads.begin_row()
    try:
        captured = capture(s, principal, row.draft, lead_id, now)
    except ValidationFailed as exc:
        return "failed", exc.violations
    except AlreadyExists as exc:
        keys = keys_of_draft(row.draft)
        found = find_matches(keys, s.leads.possible_duplicates(keys))
        if not found:
            return "rejected_duplicates", [FieldViolation("lead", exc.message)]
        on = "/".join(found[0].matched_on)
        rule = f"duplicate of {found[0].lead_id} (same {on})"
        return "rejected_duplicates", [FieldViolation(found[0].matched_on[0], rule)]
    except DomainError as exc:
        return "failed", [FieldViolation("lead", exc.message)]
    return captured.outcome, []


def import_rows(
    s: ImportSession, job: ImportJob, records: list[Record], now: datetime
) -> tuple[Tally, list[Doc]]:
    """A batch of rows through capture(), in file order, on one batch session."""
    principal = job.principal()
    rows = [draft_of(record, job.columns, job.default_source) for record in records]
    s.leads.preload(keys_of_draft(row.draft) for row in rows)
    tally, errors = Tally(), []
    for record, row in zip(records, rows, strict=True):
        outcome, violations = import_row(s, principal, job, record, row, now)
        tally.count(outcome)
        if outcome == "rejected_duplicates":
            tally.count("failed")
        if violations:
            errors.append(_row_error(record, job, violations))
    return tally, errors


class ImportRunner:
    def __init__(
        self,
        storage: LeadStorage,
        clock: Callable[[], datetime] = utcnow,
        owner: str = "",
        batch_size: int = 500,
        lease: timedelta = timedelta(seconds=60),
        budget: float = 10.0,
        keep_uploads: timedelta = timedelta(days=1),
        max_backlog: int = 2000,
    ) -> None:
        self.storage = storage
        self.clock = clock
        self.owner = owner or f"{socket.gethostname()}:{uuid.uuid4().hex[:8]}"
        self.batch_size = batch_size
        self.lease = lease
        self.budget = budget
        self.keep_uploads = keep_uploads
        self.max_backlog = max_backlog  # outbox events waiting for the relay; 0: no limit
        self._held: tuple[str, str] | None = None  # (tenant, job id) whose lease is ours
        self._file: _OpenFile | None = None
        self._swept_at: datetime | None = None
        self._pause_until = 0.0  # after a failed batch, wait before the next attempt

    def tick(self) -> int:
        """Import rows for about `budget` seconds (a batch at least, if there is work);
        how many rows were done."""
        if time.monotonic() < self._pause_until:
            return 0
        self._pause_until = 0.0
        deadline, done = time.monotonic() + self.budget, 0
        try:
            self._sweep()
            while not self._pause_until:
                job = self._next_job()
                if job is None:
                    break
                done += self._work(job, deadline)
                if time.monotonic() >= deadline:
                    break
        except self.storage.transient_errors:
            # The store is out of reach, or a dead worker's transaction still holds the
            # job (until the server reaps it): try again in a moment, from the checkpoint.
            log.warning("imports paused: the store refused a claim or a read", exc_info=True)
            self._file, self._pause_until = None, time.monotonic() + 1.0
        return done

    def stop(self) -> None:
        """Hand the held job back (shutdown), so that another worker goes on at once."""
        if self._held is not None:
            self.storage.release_import(self._held[1], self.owner)
            self._held = None

    def _next_job(self) -> ImportJob | None:
        if self._held is not None:
            tenant_id, job_id = self._held
            job = self.storage.run(lambda stores: stores.imports(tenant_id).get(job_id))
            if job is not None and job.status == RUNNING and job.lease_owner == self.owner:
                return job
            self._held = None
        now = self.clock()
        job = self.storage.claim_next_import(self.owner, now, now + self.lease)
        if job is None:
            return None
        self._held = (job.tenant_id, job.id)
        log.info("import %s taken by %s at row %s", job.id, self.owner, job.processed_rows)
        return job

    def _rows(self, job: ImportJob) -> Iterator[Record]:
        """The job's rows from its checkpoint on, reading the file only when needed."""
        if (
            self._file is None
            or self._file.job_id != job.id
            or self._file.position != job.processed_rows
        ):
            f = job.file

            def read(stores: Stores) -> bytes:
                return stores.imports(job.tenant_id).file_bytes(
                    f.upload_id, f.chunk_count, job.created_by
                )

            text, _ = decode(self.storage.run(read), job.layout.encoding)
            rows = islice(data_rows(text, job.layout), job.processed_rows, None)
            self._file = _OpenFile(job.id, job.processed_rows, rows)
        return self._file.rows

    def _work(self, job: ImportJob, deadline: float) -> int:
        done = 0
        try:
            rows = self._rows(job)
        except ValidationFailed as exc:  # the file is gone or unreadable: nothing to do
            self._finish(job, FAILED, f"the file cannot be read: {exc.message}")
            return 0
        while job.processed_rows < job.layout.total_rows:  # one batch at least
            while self._backlogged():  # the relay runs meanwhile (it is the same worker)
                if time.monotonic() >= deadline:
                    return done
                time.sleep(0.2)
            batch = list(islice(rows, self.batch_size))
            if not batch:
                self._finish(job, FAILED, "the file has fewer rows than when it was checked")
                return done
            try:
                job = self._batch(job, batch)
            except LeaseLost:
                # Another worker took the job over, or a commit reported as failed went
                # through after all: the next tick reads the job again and knows which.
                log.warning("import %s moved on without this batch", job.id)
                self._file = None
                return done
            except Exception as exc:
                self._file = None  # read again from the checkpoint next time
                return done + self._failed_batch(job, exc)
            assert self._file is not None
            self._file.position = job.processed_rows
            done += len(batch)
            if time.monotonic() >= deadline:
                break
        if job.processed_rows >= job.layout.total_rows:
            self._finish(job, DONE)
        return done

    def _backlogged(self) -> bool:
        """Whether the relay is `max_backlog` events behind: an import waits for it
        rather than bury every other lead event (a rep's new lead, a claim) behind its
        own, and rather than grow a backlog the relay must read through."""
        if not self.max_backlog:
            return False
        waiting = self.storage.outbox_backlog(self.max_backlog)
        if waiting >= self.max_backlog:
            log.info("imports wait: %s events are waiting for the outbox relay", waiting)
            return True
        return False

    def _batch(self, job: ImportJob, records: list[Record]) -> ImportJob:
        now = self.clock()

        turns = self.storage.slots(job.tenant_id)

        def work(stores: Stores) -> Tally:
            jobs = stores.imports(job.tenant_id)
            if not jobs.holds(job.id, self.owner, job.processed_rows):
                raise LeaseLost(job.id)
            s = ImportSession(stores, job.tenant_id, turns)
            tally, errors = import_rows(s, job, records, now)
            s.flush(now)
            jobs.add_errors(job.id, errors)
            if not jobs.checkpoint(job, self.owner, len(records), tally, now + self.lease, now):
                raise LeaseLost(job.id)
            return tally

        tally = self.storage.run(work)
        total = Tally(**{k: getattr(job.tally, k) + getattr(tally, k) for k in vars(tally)})
        processed = job.processed_rows + len(records)
        return replace(job, processed_rows=processed, tally=total, version=job.version + 1)

    def _failed_batch(self, job: ImportJob, exc: Exception) -> int:
        log.exception("import %s: the batch at row %s failed", job.id, job.processed_rows)
        message = str(exc) or type(exc).__name__
        self._pause_until = time.monotonic() + min(2.0**job.attempts, 30.0)
        if job.attempts + 1 >= MAX_ATTEMPTS:
            self._finish(
                job, FAILED, f"rows after {job.processed_rows} could not be imported: {message}"
            )
        else:
            self.storage.run(
                lambda stores: stores.imports(job.tenant_id).note_failure(
                    job.id, self.owner, message
                )
            )
        return 0

    def _finish(self, job: ImportJob, status: str, error: str = "") -> None:
        ended = job.finish(status, self.clock(), error)

        def work(stores: Stores) -> bool:
            jobs = stores.imports(job.tenant_id)
            finished = jobs.finish(ended, self.owner)
            if finished and status == DONE:
                jobs.delete_file(job.file.upload_id)
            return finished

        if self.storage.run(work):
            log.info("import %s %s: %s", job.id, status, ended.tally)
        self._held, self._file = None, None

    def _sweep(self) -> None:
        now = self.clock()
        if self._swept_at is not None and now - self._swept_at < timedelta(minutes=10):
            return
        self._swept_at = now
        deleted = self.storage.sweep_uploads(now - self.keep_uploads)
        if deleted:
            log.info("deleted %s chunks of abandoned uploads", deleted)
