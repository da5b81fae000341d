"""Bulk import use cases on the api side: receive a file in chunks, start a job (the
file's layout is checked first, so a file that cannot be imported is refused whole with
422), read a job's progress and its row errors. The rows themselves are captured by the
worker (runner.py).

Starting twice with one idempotency key (per person) returns the first job, whatever
happened in between; with the key and another file it is refused.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from crm_runtime.clock import utcnow
from crm_runtime.errors import AlreadyExists, FieldViolation, NotFound, require
from crm_runtime.paging import (
    decode_cursor,
    encode_cursor,
    encode_position,
    invalid_cursor,
    page_limit,
)
from crm_runtime.principal import Principal

from lead.domain.channels import SOURCES
from lead.imports.domain.jobs import CHUNK_BYTES, MAX_CHUNKS, ImportFile, ImportJob, can_see
from lead.imports.domain.rows import DEFAULT_SOURCE, read_layout
from lead.imports.ports import ImportJobs
from lead.listing import page_window
from lead.ports import LeadStorage, Stores

UPLOAD_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
MAX_KEY, MAX_FILE_NAME = 255, 200


@dataclass(frozen=True)
class StartImport:
    csv: bytes = b""
    upload_id: str = ""
    chunk_count: int = 0
    encoding: str = ""
    header_map: Mapping[str, str] = field(default_factory=dict)
    idempotency_key: str = ""
    default_source: str = ""
    file_name: str = ""

    def check(self) -> None:
        violations = []
        if bool(self.csv) == bool(self.upload_id):
            violations.append(FieldViolation("csv", "send the file, or name an upload, not both"))
        if self.upload_id and not UPLOAD_ID.match(self.upload_id):
            violations.append(FieldViolation("upload_id", "must be 8 to 64 of A-Z a-z 0-9 _ -"))
        if self.upload_id and not 0 < self.chunk_count <= MAX_CHUNKS:
            violations.append(FieldViolation("chunk_count", f"must be 1 to {MAX_CHUNKS}"))
        if self.default_source and self.default_source not in SOURCES:
            violations.append(
                FieldViolation("default_source", f"must be one of {', '.join(SOURCES)}")
            )
        if len(self.idempotency_key) > MAX_KEY:
            violations.append(FieldViolation("idempotency_key", f"at most {MAX_KEY} characters"))
        if len(self.file_name) > MAX_FILE_NAME:
            violations.append(FieldViolation("file_name", f"at most {MAX_FILE_NAME} characters"))
        if len(self.header_map) > 200:
            violations.append(FieldViolation("header_map", "at most 200 columns"))
        require(violations)


@dataclass(frozen=True)
class ErrorPage:
    headers: tuple[str, ...]
    rows: list[dict[str, object]]  # row, errors [{field, column, rule}], values
    next_cursor: str


class ImportApp:
    def __init__(
        self,
        storage: LeadStorage,
        clock: Callable[[], datetime] = utcnow,
        new_id: Callable[[], str] = lambda: str(uuid.uuid4()),
    ) -> None:
        self.storage = storage
        self.clock = clock
        self.new_id = new_id

    def _run(self, principal: Principal, work: Callable[[ImportJobs], object]) -> object:
        return self.storage.run(lambda stores: work(stores.imports(principal.tenant_id)))

    def upload_chunk(self, principal: Principal, upload_id: str, seq: int, data: bytes) -> int:
        violations = []
        if not UPLOAD_ID.match(upload_id):
            violations.append(FieldViolation("upload_id", "must be 8 to 64 of A-Z a-z 0-9 _ -"))
        if not 0 <= seq < MAX_CHUNKS:
            violations.append(FieldViolation("seq", f"must be 0 to {MAX_CHUNKS - 1}"))
        if not 0 < len(data) <= CHUNK_BYTES:
            violations.append(FieldViolation("data", f"must be 1 to {CHUNK_BYTES} bytes"))
        require(violations)
        now = self.clock()
        self._run(principal, lambda r: r.put_chunk(upload_id, seq, data, principal.user_id, now))
        return len(data)

    def start(self, principal: Principal, request: StartImport) -> ImportJob:
        request.check()
        key = request.idempotency_key
        if key:
            earlier = self._run(principal, lambda r: r.by_idempotency_key(principal.user_id, key))
            if isinstance(earlier, ImportJob):
                return self._same_file(earlier, request)
        data = request.csv or self._run(
            principal,
            lambda r: r.file_bytes(request.upload_id, request.chunk_count, principal.user_id),
        )
        assert isinstance(data, bytes)
        schema = self.storage.run(lambda stores: stores.config(principal.tenant_id).custom_fields())
        layout = read_layout(data, request.encoding, request.header_map, schema)
        job_id = self.new_id()
        upload_id = request.upload_id or job_id
        job = ImportJob(
            id=job_id,
            tenant_id=principal.tenant_id,
            created_by=principal.user_id,
            team_id=principal.team_id,
            roles=principal.roles,
            scope=principal.scope,
            idempotency_key=key,
            file=ImportFile(
                upload_id,
                request.chunk_count or -(-len(data) // CHUNK_BYTES),
                len(data),
                hashlib.sha256(data).hexdigest(),
                request.file_name,
            ),
            layout=layout,
            default_source=request.default_source or DEFAULT_SOURCE,
            created_at=self.clock(),
        )

        def work(stores: Stores) -> ImportJob:
            jobs = stores.imports(principal.tenant_id)
            if request.csv:  # kept as chunks, like an upload, so the worker reads one way
                for seq in range(job.file.chunk_count):
                    chunk = data[seq * CHUNK_BYTES : (seq + 1) * CHUNK_BYTES]
                    jobs.put_chunk(upload_id, seq, chunk, principal.user_id, job.created_at)
            jobs.add(job)
            return job

        try:
            return self.storage.run(work)
        except AlreadyExists:  # the same key started at the same moment: that job wins
            earlier = self._run(principal, lambda r: r.by_idempotency_key(principal.user_id, key))
            if not isinstance(earlier, ImportJob):
                raise
            return self._same_file(earlier, request)

    def _same_file(self, earlier: ImportJob, request: StartImport) -> ImportJob:
        if request.csv and hashlib.sha256(request.csv).hexdigest() != earlier.file.sha256:
            require([FieldViolation("idempotency_key", "was already used for another file")])
        if request.upload_id and request.upload_id != earlier.file.upload_id:
            data = self.storage.run(
                lambda stores: stores.imports(earlier.tenant_id).file_bytes(
                    request.upload_id, request.chunk_count, earlier.created_by
                )
            )
            if hashlib.sha256(data).hexdigest() != earlier.file.sha256:
                require([FieldViolation("idempotency_key", "was already used for another file")])
        return earlier

    def get(self, principal: Principal, job_id: str) -> ImportJob:
        job = self._run(principal, lambda r: r.get(job_id))
        if not isinstance(job, ImportJob) or not can_see(principal, job):
            raise NotFound(f"import {job_id} not found")
        return job

    def page(self, principal: Principal, limit: int, cursor: str) -> tuple[list[ImportJob], str]:
        size, after = page_window(limit, cursor)
        mine = "" if principal.scope == "all" else principal.user_id
        found = self._run(principal, lambda r: r.page(mine, size + 1, after))
        assert isinstance(found, list)
        last = found[size - 1] if len(found) > size else None
        return found[:size], encode_position(last.created_at, last.id) if last else ""

    def errors(self, principal: Principal, job_id: str, limit: int, cursor: str) -> ErrorPage:
        """The errors of the next `limit` rows of the file after the cursor."""
        job = self.get(principal, job_id)
        size = page_limit(limit)
        after = _row_cursor(cursor, job.layout.header_row)
        before = after + size + 1
        found = self._run(principal, lambda r: r.errors_between(job_id, after, before))
        assert isinstance(found, list)
        rows = [{k: d[k] for k in ("row", "errors", "values")} for d in found]
        more = before - 1 < job.layout.last_row
        return ErrorPage(
            job.layout.columns.headers, rows, encode_cursor([before - 1]) if more else ""
        )


def _row_cursor(cursor: str, header_row: int) -> int:
    value = decode_cursor(cursor)
    if value is None:
        return header_row
    if len(value) != 1 or not isinstance(value[0], int) or value[0] < 0:
        raise invalid_cursor()
    return value[0]
