"""Duplicates: matched on phone, email and company + name; rejected, flagged or merged;
a merge keeps both histories and says who merged what. Checked on the shared exports."""

import csv
import json
from collections import defaultdict
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from crm_runtime.errors import AlreadyExists, FailedPrecondition
from crm_runtime.messaging.schema import payload_message
from crm_runtime.testing.testdata import shared_testdata
from lead.domain.channels import SOURCE_ALIASES
from lead.domain.dedup import (
    COMPANY,
    EMAIL,
    PHONE,
    DedupKeys,
    Outcome,
    decide,
    find_matches,
    flag_duplicate,
    keys_of_draft,
    keys_of_lead,
    merge,
    refuse_if_rejected,
)
from lead.domain.lead import LeadDraft, LeadStatus, create_lead
from lead.domain.settings import DuplicatePolicy

TESTDATA = shared_testdata("leads")
NOW = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
ZHANG = {"name": "张伟", "company": "上海云图科技有限公司", "phone": "13800138000", "source": "web"}


def _lead(lead_id="l1", at=NOW, **fields):
    draft = LeadDraft(**{**ZHANG, "email": "zhang@example.cn", **fields})
    lead = create_lead(draft, lead_id=lead_id, tenant_id="t1", created_by="u1", now=at)
    lead.events.clear()
    return lead


@pytest.mark.parametrize(
    "phone",
    ["+86 138-0013-8000", "8613800138000", "0086 138 0013 8000", "＋８６ １３８００１３８０００"],
)
def test_phone_spellings_with_and_without_86_match(phone):
    keys = keys_of_draft(LeadDraft(name="someone else", phone=phone))
    [match] = find_matches(keys, [_lead()])
    assert match.matched_on == (PHONE,)


def test_email_matches_whatever_its_case():
    keys = keys_of_draft(LeadDraft(name="x", email=" Zhang@EXAMPLE.cn "))
    assert find_matches(keys, [_lead()])[0].matched_on == (EMAIL,)


def test_company_matches_only_with_the_same_name():
    same = keys_of_draft(LeadDraft(name=" 张伟", company="上海云图科技有限公司 "))
    other = keys_of_draft(LeadDraft(name="李娜", company="上海云图科技有限公司"))
    assert find_matches(same, [_lead()])[0].matched_on == (COMPANY,)
    assert find_matches(other, [_lead()]) == ()


def test_a_lead_can_match_on_all_three_keys():
    keys = keys_of_draft(LeadDraft(**{**ZHANG, "email": "ZHANG@example.cn"}))
    assert find_matches(keys, [_lead()])[0].matched_on == (PHONE, EMAIL, COMPANY)


def test_values_that_cannot_be_normalised_match_nothing():
    keys = keys_of_draft(LeadDraft(name="x", phone="12", email="not-an-email@"))
    assert keys == DedupKeys(name="x")
    assert find_matches(keys, [_lead(phone="", email="")]) == ()


def test_matches_come_oldest_first_once_each_and_never_merged_leads():
    older = _lead("l0", at=NOW - timedelta(days=3))
    gone = replace(_lead("l9", at=NOW - timedelta(days=9)), merged_into="l0")
    matches = find_matches(keys_of_lead(_lead("new")), [_lead(), older, _lead(), gone])
    assert [m.lead_id for m in matches] == ["l0", "l1"]


def test_no_match_means_create():
    decision = decide(keys_of_draft(LeadDraft(name="李娜")), [_lead()], DuplicatePolicy.MERGE)
    assert decision.outcome is Outcome.CREATE and decision.survivor_id == ""
    refuse_if_rejected(decision)


def test_policy_reject_refuses_the_duplicate_naming_the_lead():
    decision = decide(keys_of_draft(LeadDraft(**ZHANG)), [_lead()], DuplicatePolicy.REJECT)
    with pytest.raises(AlreadyExists, match=r"l1 \(same phone/company\)"):
        refuse_if_rejected(decision)


def test_policy_flag_marks_the_new_lead_for_review():
    decision = decide(keys_of_draft(LeadDraft(**ZHANG)), [_lead()], DuplicatePolicy.FLAG)
    flagged = flag_duplicate(_lead("l2"), decision, now=NOW)
    assert decision.outcome is Outcome.FLAG and flagged.duplicate_of == "l1"
    [event] = flagged.events
    assert event.payload == {"lead_id": "l2", "changed_fields": ["duplicate_of"]}
    payload_message(event.event_type, event.payload)


def test_policy_merge_merges_into_the_oldest_match():
    older = _lead("l0", at=NOW - timedelta(days=1))
    decision = decide(keys_of_draft(LeadDraft(**ZHANG)), [_lead(), older], DuplicatePolicy.MERGE)
    assert decision.outcome is Outcome.MERGE and decision.survivor_id == "l0"


def test_a_merge_keeps_both_histories_and_records_who_merged():
    survivor = replace(_lead("l1", email="", tags=("SaaS",)), merged_ids=("l0",), owner_id="u1")
    duplicate = replace(
        _lead("l2", region="上海", tags=("ERP", "SaaS"), notes="展会上留的名片"),
        last_follow_up_at=NOW + timedelta(days=1),
    )
    kept, gone = merge(survivor, duplicate, by="mgr", now=NOW + timedelta(days=2))
    assert kept.merged_ids == ("l0", "l2") and gone.merged_into == "l1"
    assert (kept.email, kept.region, kept.notes) == ("zhang@example.cn", "上海", "展会上留的名片")
    assert kept.tags == ("SaaS", "ERP")
    assert kept.last_follow_up_at == NOW + timedelta(days=1)
    assert (kept.name, kept.phone, kept.owner_id) == (survivor.name, survivor.phone, "u1")
    assert [e.event_type for e in kept.events] == ["LeadMerged", "LeadUpdated"]
    assert kept.events[0].payload == {"survivor_id": "l1", "merged_id": "l2", "merged_by": "mgr"}
    assert kept.events[1].payload["changed_fields"] == ["email", "region", "notes", "tags"]
    assert gone.events[0].payload == {"lead_id": "l2", "changed_fields": ["merged_into"]}
    assert (gone.region, gone.notes, gone.status) == ("上海", "展会上留的名片", duplicate.status)
    for event in [*kept.events, *gone.events]:
        payload_message(event.event_type, event.payload)


def test_merging_takes_over_what_was_merged_into_the_merged_lead():
    kept, _ = merge(_lead("l1"), replace(_lead("l2"), merged_ids=("l3",)), by="m", now=NOW)
    assert kept.merged_ids == ("l2", "l3")


def test_impossible_merges_are_refused():
    with pytest.raises(FailedPrecondition):
        merge(_lead("l1"), _lead("l1"), by="m", now=NOW)
    with pytest.raises(FailedPrecondition, match="already merged into l0"):
        merge(_lead("l1"), replace(_lead("l2"), merged_into="l0"), by="m", now=NOW)
    with pytest.raises(FailedPrecondition, match="merge lead l1 into it instead"):
        merge(_lead("l1"), replace(_lead("l2"), status=LeadStatus.CONVERTED), by="m", now=NOW)


def _index_keys(keys):
    """The store's indexed look-ups, as keys of an in-memory dict."""
    found = []
    if keys.phone:
        found.append((PHONE, keys.phone))
    if keys.email:
        found.append((EMAIL, keys.email))
    if keys.company_key and keys.name:
        found.append((COMPANY, keys.company_key, keys.name))
    return found


@pytest.mark.skipif(not TESTDATA.exists(), reason="../shared/testdata is not beside this checkout")
@pytest.mark.parametrize(
    ("name", "encoding", "key"),
    [("leads.utf8-bom.csv", "utf-8-sig", "utf8"), ("leads.gbk.csv", "gbk", "gbk")],
)
def test_merging_the_exports_leaves_exactly_one_lead_per_person(name, encoding, key):
    answers = json.loads((TESTDATA / "answers.json").read_text())
    with open(TESTDATA / name, encoding=encoding, newline="") as f:
        rows = list(csv.DictReader(f))
    leads, index, merged_on = {}, {}, defaultdict(set)
    for i, (row, answer) in enumerate(zip(rows, answers[key], strict=True)):
        draft = LeadDraft(
            name=row["姓名"],
            company=row["公司名称"],
            phone=row["手机"],
            email=row["邮箱"],
            source=SOURCE_ALIASES[row["线索来源"]],
            region=row["省份"],
            industry=row["行业"],
            notes=row["备注"],
        )
        keys = keys_of_draft(draft)
        found = {index[k] for k in _index_keys(keys) if k in index}
        decision = decide(keys, [leads[i] for i in found], DuplicatePolicy.MERGE)
        at = NOW + timedelta(minutes=i)
        lead = create_lead(draft, lead_id=f"r{i}", tenant_id="t1", created_by="import", now=at)
        if decision.outcome is Outcome.MERGE:
            [match] = decision.matches  # one person, one live lead
            merged_on[answer["person"]].update(match.matched_on)
            lead, gone = merge(leads[match.lead_id], lead, by="import", now=at)
            leads[gone.id] = gone
        leads[lead.id] = lead
        for k in _index_keys(keys_of_lead(lead)):
            index[k] = lead.id

    def survivor(lead_id):
        while leads[lead_id].merged_into:
            lead_id = leads[lead_id].merged_into
        return lead_id

    live = [lead for lead in leads.values() if not lead.merged_into]
    assert len(live) == answers["people"]
    survivors = defaultdict(set)
    for i, answer in enumerate(answers[key]):
        survivors[answer["person"]].add(survivor(f"r{i}"))
    assert all(len(ids) == 1 for ids in survivors.values())
    assert len({ids.pop() for ids in survivors.values()}) == answers["people"]
    expected_keys = defaultdict(set)
    for answer in answers[key]:
        if answer["dup_key"]:
            expected_keys[answer["person"]].add(answer["dup_key"].replace("company+name", COMPANY))
    assert set(merged_on) == set(expected_keys)
    assert all(expected_keys[p] <= merged_on[p] for p in expected_keys)
