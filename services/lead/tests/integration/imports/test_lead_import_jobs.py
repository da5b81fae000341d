"""Starting an import over gRPC: the file in chunks (or inline), refused whole when it
cannot be imported, one job per idempotency key, and jobs seen only by whom they should."""

import grpc
import pytest
from crm.lead.v1 import lead_pb2 as pb
from crm_runtime.grpc_errors import field_violations
from crm_runtime.principal import Principal
from lead_import_support import GBK, MD, UTF8, csv_bytes, get, start

pytest_plugins = ["lead_import_support"]  # fixtures: uow, db

REP = Principal("t1", "rep-1", ("sales_rep",), "own").to_metadata()
OTHER_TENANT = Principal("t2", "importer", ("admin",), "all").to_metadata()


def _violations(call) -> list[tuple[str, str]]:
    with pytest.raises(grpc.RpcError) as err:
        call()
    assert err.value.code() is grpc.StatusCode.INVALID_ARGUMENT, err.value.details()
    return [(v.field, v.description) for v in field_violations(err.value)]


def test_a_chunked_gbk_upload_becomes_a_queued_job_with_its_layout(lead_stub, db):
    job = start(lead_stub, GBK, file_name="leads.gbk.csv", default_source="trade_show")
    assert job.status == "queued" and job.total_rows == 403 and job.processed_rows == 0
    assert job.encoding == "gb18030" and job.header_map["手机"] == "phone"
    assert (job.file_name, job.default_source, job.created_by) == (
        "leads.gbk.csv", "trade_show", "importer",
    )  # fmt: skip
    assert job.HasField("created_at") and not job.HasField("finished_at")
    assert get(lead_stub, job.id) == job
    [event] = db.outbox.find({"event_type": "LeadImportStarted"})
    assert event["envelope"]["payload"]["total_rows"] == "403"  # int64 in proto JSON
    assert db.lead_import_chunks.count_documents({}) == -(-len(GBK) // (16 * 1024))


def test_a_small_file_may_travel_inline(lead_stub):
    job = lead_stub.StartImport(pb.StartImportRequest(csv=UTF8), metadata=MD).job
    assert job.encoding == "utf-8-sig" and job.total_rows == 403
    assert job.default_source == "import"


@pytest.mark.parametrize(
    ("data", "fields", "field"),
    [
        (b"PK\x03\x04 a workbook", {}, "csv"),
        ("姓名,手机\n张伟,1\n".encode(), {"encoding": "gbk"}, "encoding"),
        ("姓名,手机\n张伟,1\n".encode("gbk"), {"encoding": "utf-8"}, "encoding"),
        ("客户,手机\n张伟,1\n".encode(), {}, "header_map"),
        ("客户,手机\n张伟,1\n".encode(), {"header_map": {"客户": "nmae"}}, "header_map.客户"),
        (UTF8, {"default_source": "fax"}, "default_source"),
    ],
)
def test_a_file_that_cannot_be_imported_is_refused_whole_naming_the_field(
    lead_stub, db, data, fields, field
):
    found = _violations(lambda: start(lead_stub, data, **fields))
    assert found[0][0] == field, found
    assert db.lead_imports.count_documents({}) == 0 and db.outbox.count_documents({}) == 0


def test_missing_chunks_and_bad_chunks_are_refused(lead_stub):
    def upload(seq, data, upload_id="upload-0001"):
        return lead_stub.UploadImportChunk(
            pb.UploadImportChunkRequest(upload_id=upload_id, seq=seq, data=data), metadata=MD
        )

    upload(0, UTF8[:1000])
    upload(2, UTF8[2000:])
    found = _violations(
        lambda: lead_stub.StartImport(
            pb.StartImportRequest(upload_id="upload-0001", chunk_count=3), metadata=MD
        )
    )
    assert found == [("chunk_count", "chunks [1] of upload upload-0001 were not received")]
    assert _violations(lambda: upload(0, b""))[0][0] == "data"
    assert _violations(lambda: upload(64, b"x"))[0][0] == "seq"
    assert _violations(lambda: upload(0, b"x", upload_id="../../x"))[0][0] == "upload_id"
    assert _violations(lambda: upload(0, b"x" * ((1 << 20) + 1)))[0][0] == "data"
    both = pb.StartImportRequest(csv=UTF8, upload_id="upload-0001", chunk_count=3)
    assert _violations(lambda: lead_stub.StartImport(both, metadata=MD))[0][0] == "csv"


def test_someone_elses_upload_cannot_be_started(lead_stub):
    chunk = pb.UploadImportChunkRequest(upload_id="upload-0002", seq=0, data=UTF8)
    lead_stub.UploadImportChunk(chunk, metadata=MD)
    request = pb.StartImportRequest(upload_id="upload-0002", chunk_count=1)
    assert _violations(lambda: lead_stub.StartImport(request, metadata=REP))[0][0] == "chunk_count"
    assert _violations(lambda: lead_stub.StartImport(request, metadata=OTHER_TENANT))


def test_one_idempotency_key_is_one_job_and_not_another_files(lead_stub, db):
    first = start(lead_stub, UTF8, idempotency_key="erp-20261124-1")
    again = start(lead_stub, UTF8, idempotency_key="erp-20261124-1")
    inline = lead_stub.StartImport(
        pb.StartImportRequest(csv=UTF8, idempotency_key="erp-20261124-1"), metadata=MD
    ).job
    assert again == first == inline
    assert db.lead_imports.count_documents({}) == 1
    found = _violations(lambda: start(lead_stub, GBK, idempotency_key="erp-20261124-1"))
    assert found == [("idempotency_key", "was already used for another file")]
    # the key is the person's: someone else may use the same one
    other = Principal("t1", "someone", ("admin",), "all").to_metadata()
    assert start(lead_stub, UTF8, md=other, idempotency_key="erp-20261124-1").id != first.id


def test_jobs_are_seen_by_their_starter_and_the_tenants_all_scope_only(lead_stub):
    job = start(lead_stub, UTF8, md=REP)
    assert get(lead_stub, job.id, REP).id == job.id
    assert get(lead_stub, job.id, MD).id == job.id  # marketing sees the tenant's records
    for md in (OTHER_TENANT, Principal("t1", "rep-2", ("sales_rep",), "own").to_metadata()):
        with pytest.raises(grpc.RpcError) as err:
            get(lead_stub, job.id, md)
        assert err.value.code() is grpc.StatusCode.NOT_FOUND
    mine = lead_stub.ListImports(pb.ListImportsRequest(), metadata=REP).jobs
    assert [j.id for j in mine] == [job.id]
    assert lead_stub.ListImports(pb.ListImportsRequest(), metadata=OTHER_TENANT).jobs == []


def test_the_job_list_pages_newest_first(lead_stub):
    ids = [start(lead_stub, csv_bytes([["姓名"], [f"客户{i}"]])).id for i in range(5)]
    seen, cursor = [], ""
    while True:
        page = lead_stub.ListImports(
            pb.ListImportsRequest(page={"limit": 2, "cursor": cursor}), metadata=MD
        )
        seen += [j.id for j in page.jobs]
        cursor = page.page.next_cursor
        if not cursor:
            break
    assert seen == ids[::-1]
