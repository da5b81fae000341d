"""What the import suites share: the shared exports and their answer key, a unit of work
and an import runner on the test's database, and a way to start a job over gRPC."""

from __future__ import annotations

import csv
import io
import json
import time
import uuid
from typing import Any

import grpc
import pytest
from crm.lead.v1 import lead_pb2 as pb
from crm_runtime.principal import Principal
from crm_runtime.rpc.errors import field_violations
from crm_runtime.testing.fixtures import settings_for
from crm_runtime.testing.testdata import shared_testdata
from crm_runtime.wiring import unit_of_work
from lead.imports.runner import ImportRunner
from lead.indexes import ensure_indexes
from lead.mongo_storage import MongoLeadStorage

TESTDATA = shared_testdata("leads")
UTF8 = (TESTDATA / "leads.utf8-bom.csv").read_bytes()
GBK = (TESTDATA / "leads.gbk.csv").read_bytes()
ANSWERS = json.loads((TESTDATA / "answers.json").read_text())
PEOPLE = ANSWERS["people"]
TENANT = "t1"
IMPORTER = Principal(TENANT, "importer", ("marketing",), "all")
MD = IMPORTER.to_metadata()


@pytest.fixture
def uow(mongo_client, mongo_uri, database_name):
    settings = settings_for("lead", "worker", mongo_uri, database_name)
    ensure_indexes(mongo_client[database_name])
    return unit_of_work(settings, mongo_client)


@pytest.fixture
def db(mongo_client, database_name):
    return mongo_client[database_name]


def runner(uow: Any, **options: Any) -> ImportRunner:
    """No relay runs here: events stay pending, so the backlog limit is off."""
    return ImportRunner(MongoLeadStorage(uow), **{"budget": 300.0, "max_backlog": 0, **options})


def run_all(import_runner: ImportRunner, seconds: float = 100.0) -> int:
    """Tick until no job is queued or running (a paused runner waits and goes on)."""
    done, deadline = 0, time.monotonic() + seconds
    while import_runner.storage.uow.db.lead_imports.count_documents(
        {"status": {"$in": ["queued", "running"]}}
    ):
        assert time.monotonic() < deadline, "the import never finished"
        step = import_runner.tick()
        if step == 0:
            time.sleep(0.05)
        done += step
    return done


def start(
    stub: Any, data: bytes, md: Any = MD, chunk: int = 16 * 1024, **fields: Any
) -> pb.ImportJob:
    """Upload in chunks as the gateway does, then start the job."""
    upload_id = uuid.uuid4().hex
    pieces = [data[i : i + chunk] for i in range(0, len(data), chunk)]
    for seq, piece in enumerate(pieces):
        stub.UploadImportChunk(
            pb.UploadImportChunkRequest(upload_id=upload_id, seq=seq, data=piece), metadata=md
        )
    request = pb.StartImportRequest(upload_id=upload_id, chunk_count=len(pieces), **fields)
    return stub.StartImport(request, metadata=md).job


def get(stub: Any, job_id: str, md: Any = MD) -> pb.ImportJob:
    return stub.GetImport(pb.GetImportRequest(id=job_id), metadata=md).job


def all_errors(stub: Any, job_id: str, md: Any = MD, limit: int = 50) -> list[pb.ImportRowError]:
    found, cursor = [], ""
    while True:
        page = stub.ListImportErrors(
            pb.ListImportErrorsRequest(id=job_id, page={"limit": limit, "cursor": cursor}),
            metadata=md,
        )
        found.extend(page.rows)
        cursor = page.page.next_cursor
        if not cursor:
            return found


def csv_bytes(rows: list[list[str]], encoding: str = "utf-8") -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode(encoding)


def synthetic(count: int, start_at: int = 0) -> bytes:
    """`count` different people: no duplicates among them."""
    rows = [["姓名", "公司名称", "手机", "邮箱", "线索来源", "省份"]]
    rows += [
        [
            f"客户{i}",
            f"测试{i}科技有限公司",
            f"139{i:08d}",
            f"c{i}@example.cn",
            "官网表单",
            "上海市",
        ]
        for i in range(start_at, start_at + count)
    ]
    return csv_bytes(rows)


def refused_fields(call: Any) -> list[tuple[str, str]]:
    """The fields and rules a call refused with INVALID_ARGUMENT."""
    with pytest.raises(grpc.RpcError) as err:
        call()
    assert err.value.code() is grpc.StatusCode.INVALID_ARGUMENT, err.value.details()
    return [(v.field, v.description) for v in field_violations(err.value)]
