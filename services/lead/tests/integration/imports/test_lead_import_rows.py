"""The worker imports rows through the capture path: the shared exports against their
answer key under each duplicate policy, per-row errors naming field, column and rule,
every fact as an event, and assignment rules with round-robin and capacity."""

from collections import Counter, defaultdict

import pytest
from crm.lead.v1 import lead_pb2 as pb
from lead.imports.domain.rows import lead_id_for
from lead_import_support import (
    ANSWERS,
    GBK,
    MD,
    PEOPLE,
    TENANT,
    UTF8,
    all_errors,
    csv_bytes,
    get,
    run_all,
    runner,
    start,
    synthetic,
)

from conftest import configure

pytest_plugins = ["lead_import_support"]  # fixtures: uow, db


def _person_of(job_id: str, answers: list[dict]) -> dict[str, int]:
    """Lead id -> person, from the rows' deterministic ids (row = index + 2)."""
    return {lead_id_for(TENANT, job_id, i + 2): a["person"] for i, a in enumerate(answers)}


def _import(lead_stub, uow, data: bytes, batch_size: int = 100, **fields) -> pb.ImportJob:
    job = start(lead_stub, data, **fields)
    run_all(runner(uow, batch_size=batch_size))
    return get(lead_stub, job.id)


@pytest.mark.parametrize(("data", "key"), [(UTF8, "utf8"), (GBK, "gbk")])
def test_merge_leaves_exactly_one_live_lead_per_person(lead_stub, uow, db, data, key):
    configure(lead_stub, MD, duplicate_policy="merge")
    job = _import(lead_stub, uow, data)
    assert job.status == "done" and job.processed_rows == job.total_rows == 403
    assert (job.created, job.merged, job.flagged, job.failed) == (PEOPLE, 403 - PEOPLE, 0, 0)
    assert job.HasField("finished_at") and job.HasField("started_at")
    person = _person_of(job.id, ANSWERS[key])
    live = list(db.leads.find({"merged_into": ""}))
    assert len(live) == PEOPLE
    assert sorted(person[lead["_id"]] for lead in live) == sorted(set(person.values()))
    for merged in db.leads.find({"merged_into": {"$ne": ""}}):
        assert person[merged["_id"]] == person[merged["merged_into"]]


def test_flag_keeps_every_row_and_points_each_copy_at_the_same_person(lead_stub, uow, db):
    job = _import(lead_stub, uow, UTF8)  # "flag" is the default policy
    assert (job.created, job.flagged, job.merged, job.failed) == (PEOPLE, 403 - PEOPLE, 0, 0)
    person = _person_of(job.id, ANSWERS["utf8"])
    flagged = list(db.leads.find({"duplicate_of": {"$ne": ""}}))
    assert len(flagged) == 403 - PEOPLE
    assert all(person[lead["_id"]] == person[lead["duplicate_of"]] for lead in flagged)
    originals = db.leads.count_documents({"duplicate_of": ""})
    assert originals == PEOPLE


def test_reject_reports_each_copy_as_a_duplicate_of_its_persons_lead(lead_stub, uow, db):
    configure(lead_stub, MD, duplicate_policy="reject")
    job = _import(lead_stub, uow, GBK, batch_size=37)
    assert (job.created, job.failed, job.rejected_duplicates) == (
        PEOPLE,
        403 - PEOPLE,
        403 - PEOPLE,
    )
    assert db.leads.count_documents({}) == PEOPLE
    person = _person_of(job.id, ANSWERS["gbk"])
    rows = all_errors(lead_stub, job.id)
    assert len(rows) == 403 - PEOPLE
    for row in rows:
        [error] = row.errors
        survivor = error.rule.split()[2]
        assert error.rule.startswith("duplicate of ") and error.field in (
            "phone",
            "email",
            "company",
        )
        assert person[survivor] == ANSWERS["gbk"][row.row - 2]["person"]
        assert (
            error.column == {"phone": "手机", "email": "邮箱", "company": "公司名称"}[error.field]
        )
        assert len(row.values) == 8  # the row as it was read, to fix and import again


def test_importing_the_gbk_copy_after_the_utf8_one_merges_every_row(lead_stub, uow, db):
    configure(lead_stub, MD, duplicate_policy="merge")
    _import(lead_stub, uow, UTF8)
    again = _import(lead_stub, uow, GBK)
    assert (again.created, again.merged, again.failed) == (0, 403, 0)
    assert db.leads.count_documents({"merged_into": ""}) == PEOPLE


def test_bad_rows_are_reported_with_field_column_rule_and_values_and_the_rest_imported(
    lead_stub, uow, db
):
    rows = [
        ["姓名", "手机", "邮箱", "来源", "标签"],
        ["张伟", "13800138000", "zhang@example.cn", "官网表单", ""],
        ["", "12", "not-an-email", "", ""],  # row 3: three broken rules
        ["李娜", "", "", "2026上海车展", "a,b"],  # row 4: not a channel
        ["王芳", "+86 139 0013 9000", "", "展会", ";".join(f"t{i}" for i in range(25))],
        ["=HYPERLINK(1)", "", "", "", ""],  # imported as text; the export escapes it
    ]
    job = _import(lead_stub, uow, csv_bytes(rows))
    assert (job.created, job.failed, job.processed_rows) == (2, 3, 5)
    errors = {r.row: r for r in all_errors(lead_stub, job.id, limit=2)}
    assert sorted(errors) == [3, 4, 5]
    assert {(e.field, e.column) for e in errors[3].errors} == {
        ("name", "姓名"),
        ("phone", "手机"),
        ("email", "邮箱"),
    }
    assert list(errors[3].values) == ["", "12", "not-an-email", "", ""]
    [(field, column, rule)] = [(e.field, e.column, e.rule) for e in errors[4].errors]
    assert (field, column) == ("source", "来源") and "官网表单" in rule
    assert errors[5].errors[0].field == "tags" and errors[5].errors[0].column == "标签"
    names = sorted(lead["name"] for lead in db.leads.find())
    assert names == ["=HYPERLINK(1)", "张伟"]


def test_every_lead_emits_what_a_capture_emits_and_the_job_its_two_events(lead_stub, uow, db):
    job = _import(lead_stub, uow, synthetic(120), batch_size=50)
    assert job.created == 120
    types = Counter(e["event_type"] for e in db.outbox.find())
    assert types["LeadCreated"] == 120 and types["LeadScored"] == 120
    assert types["LeadImportStarted"] == 1 and types["LeadImportFinished"] == 1
    [finished] = db.outbox.find({"event_type": "LeadImportFinished"})
    payload = finished["envelope"]["payload"]
    stored = db.lead_imports.find_one({"_id": job.id})
    assert finished["envelope"]["aggregate_version"] == stored["version"] == 1 + 3 + 1
    assert (payload["status"], payload["created"], payload["started_by"]) == (
        "done",
        "120",
        "importer",
    )
    lead = db.leads.find_one({"_id": lead_id_for(TENANT, job.id, 2)})
    assert lead["source"] == "web" and lead["created_by"] == "importer"
    assert db.lead_import_chunks.count_documents({}) == 0  # the file goes once imported


def test_rules_round_robin_and_capacity_hold_across_batches(lead_stub, uow, db):
    configure(
        lead_stub,
        MD,
        reps=[
            {"id": "rep-a", "groups": ["east"], "capacity": 5},
            {"id": "rep-b", "groups": ["east"]},
            {"id": "rep-c", "groups": ["east"]},
        ],
        rules=[{"name": "east", "group": "east", "regions": ["上海市"]}],
    )
    job = _import(lead_stub, uow, synthetic(40), batch_size=7)
    assert job.created == 40
    owners = Counter(lead["owner_id"] for lead in db.leads.find())
    assert owners == {"rep-a": 5, "rep-b": 17, "rep-c": 18}
    reps = {r.id: r.open_leads for r in lead_stub.ListReps(pb.ListRepsRequest(), metadata=MD).reps}
    assert reps == {"rep-a": 5, "rep-b": 17, "rep-c": 18}
    first_three = [
        db.leads.find_one({"_id": lead_id_for(TENANT, job.id, r)})["owner_id"] for r in (2, 3, 4)
    ]
    assert first_three == ["rep-a", "rep-b", "rep-c"]
    reasons = defaultdict(set)
    for lead in db.leads.find():
        reasons[lead["owner_id"]].add(lead["assignment_rule"])
    assert all(rules == {"east"} for rules in reasons.values())


def test_custom_fields_fill_from_their_columns_and_are_checked_like_a_capture(lead_stub, uow):
    lead_stub.ReplaceCustomFieldDefinitions(
        pb.ReplaceCustomFieldDefinitionsRequest(
            fields=[
                pb.CustomFieldDefinition(
                    key="budget", label="预算", type=pb.CUSTOM_FIELD_TYPE_NUMBER, decimals=2
                ),
                pb.CustomFieldDefinition(
                    key="segment",
                    label="客户分层",
                    type=pb.CUSTOM_FIELD_TYPE_CHOICE,
                    choices=["大客户", "中小企业"],
                ),
            ]
        ),
        metadata=MD,
    )
    rows = [
        ["姓名", "预算", "分层", "展会"],
        ["张伟", "50000.50", "大客户", "2026 上海工博会"],
        ["李娜", "很多", "散客", ""],
    ]
    job = _import(
        lead_stub,
        uow,
        csv_bytes(rows),
        header_map={"分层": "custom_fields.segment", "展会": "channel_detail"},
    )
    assert job.header_map == {
        "姓名": "name",
        "预算": "custom_fields.budget",
        "分层": "custom_fields.segment",
        "展会": "channel_detail",
    }
    assert (job.created, job.failed) == (1, 1)
    lead = lead_stub.GetLead(pb.GetLeadRequest(id=lead_id_for(TENANT, job.id, 2)), metadata=MD).lead
    assert {v.key: v.WhichOneof("value") for v in lead.custom_fields} == {
        "budget": "number",
        "segment": "choice",
    }
    assert lead.channel_detail == "2026 上海工博会" and lead.source == "import"
    [row] = all_errors(lead_stub, job.id)
    assert {(e.field, e.column) for e in row.errors} == {
        ("custom_fields.budget", "预算"),
        ("custom_fields.segment", "分层"),
    }
