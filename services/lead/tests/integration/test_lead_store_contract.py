"""One contract for the lead's storage seam (lead.ports), run against both of its
implementations: the Mongo stores on the embedded MongoDB and the in-memory fake the
unit suite runs on, so that the fake cannot drift from the store."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from crm_runtime.errors import AlreadyExists, Conflict, ValidationFailed
from crm_runtime.testing.storage import STORAGES, committed_events, storage_for
from lead.domain.assignment import AssignmentRule, Rep
from lead.domain.custom_fields import CustomFieldDefinition, CustomFieldSchema, FieldType
from lead.domain.dedup import keys_of_lead, merge
from lead.domain.followups import FollowUp, FollowUpKind
from lead.domain.lead import LeadDraft, LeadStatus, create_lead
from lead.domain.search import query_tokens
from lead.imports.domain.jobs import RUNNING, ImportFile, ImportJob
from lead.imports.domain.rows import Tally, read_layout
from lead.indexes import ensure_indexes
from lead.memory import MemoryLeadStorage
from lead.mongo_storage import MongoLeadStorage

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # whole milliseconds, as BSON keeps them


class Boom(Exception):
    pass


@pytest.fixture(params=STORAGES)
def storage(request):
    return storage_for(request, MemoryLeadStorage, MongoLeadStorage, ensure_indexes, "lead")


def lead(lead_id="l1", tenant="t1", at=NOW, **fields):
    draft = LeadDraft(**{"name": "李雷", "source": "web", **fields})
    return create_lead(draft, lead_id=lead_id, tenant_id=tenant, created_by="u1", now=at)


def in_tx(storage, tenant="t1", what="leads"):
    """Run one call on one repository in its own transaction."""

    def call(method, *args, **kwargs):
        return storage.run(lambda s: getattr(getattr(s, what)(tenant), method)(*args, **kwargs))

    return call


# Leads ---------------------------------------------------------------------------------


def test_a_lead_is_stored_whole_once_per_tenant_with_its_events(storage):
    leads = in_tx(storage)
    new = lead(phone="13800138000", tags=("展会",))
    leads("add", new, None)
    got = leads("get", "l1")
    assert replace(got, events=[]) == replace(new, events=[])
    assert in_tx(storage, "t2")("get", "l1") is None
    assert committed_events(storage) == ["LeadCreated"]


def test_a_save_checks_the_version_and_moves_it_on(storage):
    leads = in_tx(storage)
    leads("add", lead(), None)
    stored = leads("get", "l1")
    changed = replace(stored, notes="回访", updated_at=NOW + timedelta(minutes=1))
    saved = leads("save", changed, stored.version, None)
    assert saved.version == stored.version + 1 and leads("get", "l1").notes == "回访"
    with pytest.raises(Conflict):
        leads("save", changed, stored.version, None)
    assert not leads("overwrite", replace(saved, notes="x"), stored.version, None)
    assert leads("overwrite", replace(saved, notes="x"), saved.version, None)
    assert leads("get", "l1").notes == "x"


def test_work_that_fails_leaves_nothing_behind(storage):
    def work(s):
        s.leads("t1").add(lead(), None)
        s.config("t1").save_overrides({"rep_capacity": 3})
        raise Boom

    with pytest.raises(Boom):
        storage.run(work)
    assert in_tx(storage)("get", "l1") is None
    assert in_tx(storage, what="config")("overrides") == {}
    assert committed_events(storage) == []


def test_duplicates_are_live_leads_sharing_an_identifier(storage):
    leads = in_tx(storage)
    a = lead("a", phone="13800138000")
    b = lead("b", email="li@example.cn")
    c = lead("c", phone="13800138000", company="云图科技")
    for one in (a, b, c):
        leads("add", one, None)
    wanted = lead("x", phone="13800138000", email="li@example.cn")
    assert {d.id for d in leads("possible_duplicates", keys_of_lead(wanted))} == {"a", "b", "c"}
    _, gone = merge(leads("get", "a"), leads("get", "c"), by="u1", now=NOW)
    leads("save", gone, 1, None)
    assert {d.id for d in leads("possible_duplicates", keys_of_lead(wanted))} == {"a", "b"}
    phone = keys_of_lead(wanted).phone
    sharing = leads("sharing_identifiers", {"phone": {phone}, "email": set()})
    assert sorted(d.id for d in sharing) == ["a", "c"]  # merged ones too
    leads("serialise_identifiers", keys_of_lead(wanted), "x", NOW)
    leads("touch_identifiers", {"phone:13800138000": "x", "email:new@example.cn": "x"}, NOW)


def test_pages_are_newest_first_filtered_and_scoped(storage):
    leads = in_tx(storage)
    for i in range(5):
        status = {"tags": ("展会",)} if i % 2 else {}
        leads("add", lead(f"l{i}", at=NOW + timedelta(seconds=i), **status), None)
    in_tx(storage, "t2")("add", lead("other", tenant="t2"), None)
    query = {"merged_into": ""}
    first = leads("page", query, 2, None)
    assert [x.id for x in first] == ["l4", "l3"]
    rest = leads("page", query, 10, (first[-1].created_at, first[-1].id))
    assert [x.id for x in rest] == ["l2", "l1", "l0"]
    assert [x.id for x in leads("page", {**query, "tags": {"$in": ["展会"]}}, 10, None)] == [
        "l3",
        "l1",
    ]
    window = {"$gte": NOW + timedelta(seconds=1), "$lt": NOW + timedelta(seconds=3)}
    assert [x.id for x in leads("page", {"created_at": window}, 10, None)] == ["l2", "l1"]
    assert leads("page", {"status": {"$in": [LeadStatus.QUALIFIED.value]}}, 10, None) == []
    assert len(leads("page", {"search_tokens": {"$all": query_tokens("李雷")}}, 10, None)) == 5
    assert leads("page", {"search_tokens": {"$all": query_tokens("王芳")}}, 10, None) == []


def test_follow_ups_and_claims_are_counted_and_paged(storage):
    leads = in_tx(storage)
    leads("add", lead(), None)
    for i in range(3):
        at = NOW + timedelta(minutes=i)
        leads(
            "add_follow_up",
            FollowUp(f"f{i}", "l1", FollowUpKind.CALL, f"第{i}次", "", None, "rep", at),
        )
    assert leads("count_follow_ups", "l1") == 3 and leads("count_follow_ups", "l2") == 0
    page = leads("follow_up_page", "l1", 2, None)
    assert [f.id for f in page] == ["f2", "f1"]
    assert [f.id for f in leads("follow_up_page", "l1", 2, (page[-1].at, page[-1].id))] == ["f0"]
    leads("record_claim", "rep", "l1", NOW)
    leads("record_claim", "rep", "l2", NOW - timedelta(days=2))
    assert leads("claims_since", "rep", NOW - timedelta(days=1)) == 1


def test_the_timers_find_due_leads_across_tenants_oldest_first(storage):
    in_tx(storage)("add", lead("late"), NOW - timedelta(hours=1))
    in_tx(storage, "t2")("add", lead("later", tenant="t2"), NOW - timedelta(hours=2))
    in_tx(storage)("add", lead("future"), NOW + timedelta(hours=1))
    in_tx(storage)("add", lead("never"), None)
    assert storage.due_leads(NOW, 10) == [("t2", "later"), ("t1", "late")]
    assert storage.due_leads(NOW, 1) == [("t2", "later")]


# Tenant configuration ---------------------------------------------------------------


def test_settings_rules_and_custom_fields_are_kept_per_tenant(storage):
    config = in_tx(storage, what="config")
    assert config("overrides") == {} and config("rules") == []
    config("save_overrides", {"rep_capacity": 3})
    assert config("overrides") == {"rep_capacity": 3} and config("settings").rep_capacity == 3
    rules = [AssignmentRule("华东", group="east", regions=frozenset({"上海"}), min_score=10)]
    config("replace_rules", rules)
    assert config("rules") == rules
    assert in_tx(storage, "t2", "config")("rules") == []
    schema = CustomFieldSchema(
        (
            CustomFieldDefinition("budget", "预算", FieldType.NUMBER, min_value=Decimal("0.5")),
            CustomFieldDefinition("tier", "分层", FieldType.CHOICE, True, ("A", "B")),
            CustomFieldDefinition("old", "旧", FieldType.TEXT, retired=True),
        )
    )
    config("save_custom_fields", schema)
    assert config("custom_fields") == schema
    assert in_tx(storage, "t2", "config")("custom_fields") == CustomFieldSchema(())


def test_settings_rules_and_custom_fields_each_carry_a_version_that_a_change_moves_on(storage):
    config = in_tx(storage, what="config")
    versions = ("settings_version", "rules_version", "custom_fields_version")
    assert tuple(config(v) for v in versions) == (1, 1, 1)
    config("replace_rules", [AssignmentRule("华东", group="east")])
    config("replace_rules", [])
    config("save_custom_fields", CustomFieldSchema(()))
    config("save_overrides", {"cadence_days": 4})
    assert tuple(config(v) for v in versions) == (2, 3, 2)
    assert config("overrides") == {"cadence_days": 4}
    assert tuple(in_tx(storage, "t2", "config")(v) for v in versions) == (1, 1, 1)


def test_reps_are_listed_in_id_order_with_their_open_leads(storage):
    config = in_tx(storage, what="config")
    config("upsert_rep", Rep("b", name="B", groups=frozenset({"east"})), "boss")
    config("upsert_rep", Rep("a", capacity=5), "")
    assert [(r.id, m) for r, m in config("directory")] == [("a", ""), ("b", "boss")]
    assert config("rep", "zz") is None and config("manager_of", "b") == "boss"
    config("add_open_lead", "a")
    config("add_open_lead", "a")
    config("free_slot", "a")
    config("move_open_leads", "b", 3)
    config("add_open_lead", "nobody")
    assert [r.open_leads for r in config("all_reps")] == [1, 3]
    config("upsert_rep", Rep("a", name="A", capacity=5), "boss")  # an edit keeps the count
    assert config("rep", "a") == Rep("a", name="A", capacity=5, open_leads=1)
    config("free_slot", "a")
    config("free_slot", "a")
    assert config("rep", "a").open_leads == 0  # never below zero

    def fails(s):
        s.config("t1").add_open_lead("a")
        raise Boom

    with pytest.raises(Boom):
        storage.run(fails)
    assert config("rep", "a").open_leads == 0


# Turns and slots (outside the transaction, ADR 20) -----------------------------------


def test_slots_respect_capacity_and_presence_and_are_given_back(storage):
    config = in_tx(storage, what="config")
    config("upsert_rep", Rep("a"), "")
    config("upsert_rep", Rep("away", away=True), "")
    slots = storage.slots("t1")
    assert slots.reserve("a", 2, "l1", NOW) and slots.reserve("a", 2, "l2", NOW)
    assert not slots.reserve("a", 2, "l3", NOW)
    assert not slots.reserve("away", 2, "l3", NOW) and not slots.reserve("nobody", 2, "l3", NOW)
    assert slots.holds("a", "l1") and not slots.holds("a", "l3")
    slots.give_back()
    assert config("rep", "a").open_leads == 0
    again = storage.slots("t1")

    def fails(s):
        assert again.reserve("a", 2, "l4", NOW)
        raise Boom

    with pytest.raises(Boom):
        storage.run(fails)
    assert config("rep", "a").open_leads == 1  # taken outside: kept until given back
    again.give_back()
    assert config("rep", "a").open_leads == 0
    kept = storage.slots("t1")
    assert kept.reserve("a", 2, "l5", NOW)
    kept.confirm()
    kept.give_back()  # nothing held any more
    assert config("rep", "a").open_leads == 1


def test_turns_are_drawn_once_each_and_batches_advance_them(storage):
    slots = storage.slots("t1")
    assert slots.draw_turns(["east", "west"]) == {"east": 1, "west": 1}
    assert slots.draw_turns(["east"]) == {"east": 2}
    assert slots.turns_now(["east", "west", "north"]) == {"east": 2, "west": 1}
    slots.add_turns({"east": 3, "north": 1})
    assert storage.slots("t1").draw_turns(["east", "north"]) == {"east": 6, "north": 2}
    assert storage.slots("t2").draw_turns(["east"]) == {"east": 1}


def test_slots_a_crashed_capture_left_are_settled(storage):
    config = in_tx(storage, what="config")
    config("upsert_rep", Rep("a"), "")
    in_tx(storage)("add", lead("stored"), None)
    old = storage.slots("t1")
    assert old.reserve("a", 9, "stored", NOW - timedelta(minutes=10))
    assert old.reserve("a", 9, "lost", NOW - timedelta(minutes=10))
    assert storage.slots("t1").reserve("a", 9, "young", NOW)
    assert storage.sweep_abandoned(NOW - timedelta(minutes=5)) == 1
    assert storage.sweep_abandoned(NOW - timedelta(minutes=5)) == 0
    assert config("rep", "a").open_leads == 2


# Import jobs -------------------------------------------------------------------------


def job(job_id="j1", key="", by="u1", at=NOW):
    layout = read_layout("姓名,手机\n张三,13800138000\n".encode())
    return ImportJob(
        id=job_id,
        tenant_id="t1",
        created_by=by,
        team_id="",
        roles=("admin",),
        scope="all",
        idempotency_key=key,
        file=ImportFile(f"up-{job_id}", 1, 10, "sha", "a.csv"),
        layout=layout,
        default_source="import",
        created_at=at,
    )


def test_uploads_are_kept_in_chunks_for_their_sender(storage):
    jobs = in_tx(storage, what="imports")
    jobs("put_chunk", "up-1", 1, b"world", "u1", NOW)
    jobs("put_chunk", "up-1", 0, b"hello ", "u1", NOW)
    assert jobs("file_bytes", "up-1", 2, "u1") == b"hello world"
    for count, by in ((3, "u1"), (2, "u2")):
        with pytest.raises(ValidationFailed):
            jobs("file_bytes", "up-1", count, by)
    jobs("put_chunk", "up-2", 0, b"old", "u1", NOW - timedelta(days=2))
    storage.run(
        lambda s: s.imports("t1").add(replace(job(), file=replace(job().file, upload_id="up-1")))
    )
    assert storage.sweep_uploads(NOW - timedelta(days=1)) == 1  # up-2; up-1's job is queued
    jobs("delete_file", "up-1")
    with pytest.raises(ValidationFailed):
        jobs("file_bytes", "up-1", 2, "u1")


def test_jobs_are_found_by_id_key_and_page(storage):
    jobs = in_tx(storage, what="imports")
    jobs("add", job("j1", key="k"))
    jobs("add", job("j2", by="u2", at=NOW + timedelta(seconds=1)))
    jobs("add", job("j3", at=NOW + timedelta(seconds=2)))
    with pytest.raises(AlreadyExists):
        jobs("add", job("j4", key="k"))
    assert jobs("get", "j1") == job("j1", key="k") and jobs("get", "nope") is None
    assert jobs("by_idempotency_key", "u1", "k").id == "j1"
    assert jobs("by_idempotency_key", "u2", "k") is None
    assert [j.id for j in jobs("page", "", 2, None)] == ["j3", "j2"]
    assert [j.id for j in jobs("page", "", 5, (NOW + timedelta(seconds=1), "j2"))] == ["j1"]
    assert [j.id for j in jobs("page", "u1", 5, None)] == ["j3", "j1"]
    assert committed_events(storage) == ["LeadImportStarted"] * 3


def test_a_job_is_leased_checkpointed_and_finished_by_its_holder(storage):
    jobs = in_tx(storage, what="imports")
    jobs("add", job("j1"))
    jobs("add", job("j2", at=NOW + timedelta(seconds=1)))
    taken = storage.claim_next_import("w1", NOW, NOW + timedelta(minutes=1))
    assert (taken.id, taken.status, taken.lease_owner, taken.started_at) == (
        "j1",
        RUNNING,
        "w1",
        NOW,
    )
    assert storage.claim_next_import("w2", NOW, NOW + timedelta(minutes=1)).id == "j2"
    assert storage.claim_next_import("w3", NOW, NOW + timedelta(minutes=1)) is None
    assert jobs("holds", "j1", "w1", 0) and not jobs("holds", "j1", "w2", 0)
    lease = NOW + timedelta(minutes=2)
    assert jobs("checkpoint", taken, "w1", 1, Tally(created=1), lease, NOW)
    assert not jobs("checkpoint", taken, "w1", 1, Tally(created=1), lease, NOW)  # moved on
    moved = jobs("get", "j1")
    assert (moved.processed_rows, moved.tally.created, moved.version) == (1, 1, 2)
    jobs("note_failure", "j1", "w1", "boom")
    jobs("note_failure", "j1", "w2", "not mine")
    assert (jobs("get", "j1").attempts, jobs("get", "j1").error) == (1, "boom")
    later = NOW + timedelta(seconds=90)
    assert storage.claim_next_import("w3", later, later).id == "j2"  # its lease ran out
    storage.release_import("j1", "w1")
    assert storage.claim_next_import("w4", NOW, NOW).id == "j1"  # handed back: at once
    ended = moved.finish("done", later)
    assert not jobs("finish", ended, "w1")
    assert jobs("finish", ended, "w4")
    assert jobs("get", "j1").status == "done" and jobs("get", "j1").lease_owner == ""
    assert committed_events(storage)[-1] == "LeadImportFinished"


def test_row_errors_are_read_back_in_row_order(storage):
    jobs = in_tx(storage, what="imports")
    rows = [
        {"row": r, "errors": [{"field": "name", "column": "姓名", "rule": "x"}], "values": ["a"]}
        for r in (7, 3, 5)
    ]
    jobs("add_errors", "j1", rows)
    jobs("add_errors", "j1", [])
    found = jobs("errors_between", "j1", 3, 8)
    assert [(d["row"], d["values"]) for d in found] == [(5, ["a"]), (7, ["a"])]
    assert jobs("errors_between", "j2", 0, 100) == []
