"""Starting an import over gRPC: the file in chunks or inline, missing or foreign chunks
refused, and jobs seen only by whom they should (what the store keeps of a job and its
events: tests/integration/imports/test_lead_import_job_store.py)."""

import grpc
import pytest
from crm.lead.v1 import lead_pb2 as pb
from crm_runtime.principal import Principal
from lead_import_support import MD, UTF8, csv_bytes, get, refused_fields, start

REP = Principal("t1", "rep-1", ("sales_rep",), "own").to_metadata()
OTHER_TENANT = Principal("t2", "importer", ("admin",), "all").to_metadata()


def test_a_small_file_may_travel_inline(lead_stub):
    job = lead_stub.StartImport(pb.StartImportRequest(csv=UTF8), metadata=MD).job
    assert job.encoding == "utf-8-sig" and job.total_rows == 403
    assert job.default_source == "import"


def test_missing_chunks_and_bad_chunks_are_refused(lead_stub):
    def upload(seq, data, upload_id="upload-0001"):
        return lead_stub.UploadImportChunk(
            pb.UploadImportChunkRequest(upload_id=upload_id, seq=seq, data=data), metadata=MD
        )

    upload(0, UTF8[:1000])
    upload(2, UTF8[2000:])
    found = refused_fields(
        lambda: lead_stub.StartImport(
            pb.StartImportRequest(upload_id="upload-0001", chunk_count=3), metadata=MD
        )
    )
    assert found == [("chunk_count", "chunks [1] of upload upload-0001 were not received")]
    assert refused_fields(lambda: upload(0, b""))[0][0] == "data"
    assert refused_fields(lambda: upload(64, b"x"))[0][0] == "seq"
    assert refused_fields(lambda: upload(0, b"x", upload_id="../../x"))[0][0] == "upload_id"
    assert refused_fields(lambda: upload(0, b"x" * ((1 << 20) + 1)))[0][0] == "data"
    both = pb.StartImportRequest(csv=UTF8, upload_id="upload-0001", chunk_count=3)
    assert refused_fields(lambda: lead_stub.StartImport(both, metadata=MD))[0][0] == "csv"


def test_someone_elses_upload_cannot_be_started(lead_stub):
    chunk = pb.UploadImportChunkRequest(upload_id="upload-0002", seq=0, data=UTF8)
    lead_stub.UploadImportChunk(chunk, metadata=MD)
    request = pb.StartImportRequest(upload_id="upload-0002", chunk_count=1)
    assert (
        refused_fields(lambda: lead_stub.StartImport(request, metadata=REP))[0][0] == "chunk_count"
    )
    assert refused_fields(lambda: lead_stub.StartImport(request, metadata=OTHER_TENANT))


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
