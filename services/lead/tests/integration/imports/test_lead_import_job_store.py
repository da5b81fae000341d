"""Starting an import over gRPC on the embedded MongoDB: the job, its chunks and its event
stored, a file refused whole leaving nothing, one job per idempotency key (the rest of
starting one: tests/unit/imports/test_lead_import_jobs.py)."""

import pytest
from crm.lead.v1 import lead_pb2 as pb
from crm_runtime.principal import Principal
from lead_import_support import GBK, MD, UTF8, get, refused_fields, start

pytest_plugins = ["lead_import_support"]  # fixtures: uow, db

REP = Principal("t1", "rep-1", ("sales_rep",), "own").to_metadata()
OTHER_TENANT = Principal("t2", "importer", ("admin",), "all").to_metadata()


def test_a_chunked_gbk_upload_becomes_a_queued_job_with_its_layout(lead_stub, db):
    job = start(lead_stub, GBK, file_name="leads.gbk.csv", default_source="trade_show")
    assert job.status == "queued" and job.total_rows == 403 and job.processed_rows == 0
    assert job.encoding == "gb18030" and job.header_map["手机"] == "phone"
    assert (job.file_name, job.default_source, job.created_by) == (
        "leads.gbk.csv",
        "trade_show",
        "importer",
    )
    assert job.HasField("created_at") and not job.HasField("finished_at")
    assert get(lead_stub, job.id) == job
    [event] = db.outbox.find({"event_type": "LeadImportStarted"})
    assert event["envelope"]["payload"]["total_rows"] == "403"  # int64 in proto JSON
    assert db.lead_import_chunks.count_documents({}) == -(-len(GBK) // (16 * 1024))


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
    found = refused_fields(lambda: start(lead_stub, data, **fields))
    assert found[0][0] == field, found
    assert db.lead_imports.count_documents({}) == 0 and db.outbox.count_documents({}) == 0


def test_one_idempotency_key_is_one_job_and_not_another_files(lead_stub, db):
    first = start(lead_stub, UTF8, idempotency_key="erp-20261124-1")
    again = start(lead_stub, UTF8, idempotency_key="erp-20261124-1")
    inline = lead_stub.StartImport(
        pb.StartImportRequest(csv=UTF8, idempotency_key="erp-20261124-1"), metadata=MD
    ).job
    assert again == first == inline
    assert db.lead_imports.count_documents({}) == 1
    found = refused_fields(lambda: start(lead_stub, GBK, idempotency_key="erp-20261124-1"))
    assert found == [("idempotency_key", "was already used for another file")]
    # the key is the person's: someone else may use the same one
    other = Principal("t1", "someone", ("admin",), "all").to_metadata()
    assert start(lead_stub, UTF8, md=other, idempotency_key="erp-20261124-1").id != first.id
