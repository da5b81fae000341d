"""One contract for the opportunity's storage seam (opportunity.ports), run against both
of its implementations: the Mongo stores on the embedded MongoDB and the in-memory fake
the unit suite runs on, so that the fake cannot drift from the store."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from crm_runtime.errors import AlreadyExists, Conflict
from crm_runtime.testing.storage import STORAGES, committed_events, storage_for
from opportunity.approvals.domain import Approval, ApprovalKind, ApprovalStatus
from opportunity.conversion.domain.plan import ConversionPlan, OpportunityFields
from opportunity.conversion.domain.records import AttemptTaken, StoredConversion, refuse, start
from opportunity.domain.account import AccountDraft, create_account
from opportunity.domain.contact import ContactDraft, add_contact
from opportunity.domain.money import Money
from opportunity.domain.opportunity import OpportunityDraft, create_opportunity
from opportunity.indexes import APPROVAL_SORT, ensure_indexes, sort_key
from opportunity.memory import MemoryOpportunityStorage
from opportunity.mongo_storage import MongoOpportunityStorage

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # whole milliseconds, as BSON keeps them
NEWEST = sort_key("created_at", descending=True)
BY_NAME = sort_key("name_key", descending=False, kind="text")
BY_AMOUNT = sort_key("amount_value", descending=True, kind="decimal")


class Boom(Exception):
    pass


@pytest.fixture(params=STORAGES)
def storage(request):
    return storage_for(
        request, MemoryOpportunityStorage, MongoOpportunityStorage, ensure_indexes, "opportunity"
    )


def in_tx(storage, what, tenant="t1"):
    """Run one call on one repository in its own transaction."""

    def call(method, *args, **kwargs):
        return storage.run(lambda s: getattr(getattr(s, what)(tenant), method)(*args, **kwargs))

    return call


def account(account_id="a1", name="上海云图科技有限公司", tenant="t1", at=NOW, **fields):
    draft = AccountDraft(name=name, **fields)
    return create_account(draft, account_id=account_id, tenant_id=tenant, created_by="u1", now=at)


def contact(contact_id="c1", account_id="a1", at=NOW):
    draft = ContactDraft(account_id=account_id, name="王经理")
    return add_contact(
        draft,
        contact_id=contact_id,
        tenant_id="t1",
        account_owner_id="u1",
        account_team_id="",
        added_by="u1",
        now=at,
    )


def deal(opp_id="o1", account_id="a1", amount=120_000, at=NOW):
    draft = OpportunityDraft(
        name="云平台采购",
        account_id=account_id,
        owner_id="u1",
        amount=Money(Decimal(amount), "CNY"),
    )
    return create_opportunity(
        draft,
        opportunity_id=opp_id,
        tenant_id="t1",
        account_name="云图",
        pipeline_id="p1",
        pipeline_version=1,
        first_stage="new",
        probability=10,
        created_by="u1",
        now=at,
    )


def approval(approval_id, at, status=ApprovalStatus.PENDING):
    return Approval(
        id=approval_id,
        tenant_id="t1",
        kind=ApprovalKind.STAGE_CHANGE,
        opportunity_id="o1",
        approver_role="sales_director",
        requested_by="u1",
        requested_at=at,
        status=status,
    )


# Accounts -----------------------------------------------------------------------------


def test_an_account_is_stored_with_its_events_and_read_back(storage):
    in_tx(storage, "accounts")("add", account(), NOW)
    found = in_tx(storage, "accounts")("get", "a1")
    assert (found.id, found.name, found.tenant_id, found.version) == (
        "a1",
        "上海云图科技有限公司",
        "t1",
        1,
    )
    assert committed_events(storage) == ["AccountCreated"]
    assert in_tx(storage, "accounts", tenant="t2")("get", "a1") is None


def test_a_stale_save_is_a_conflict_and_a_fresh_one_the_next_version(storage):
    in_tx(storage, "accounts")("add", account(), NOW)
    stored = in_tx(storage, "accounts")("get", "a1")
    saved = in_tx(storage, "accounts")("save", replace(stored, notes="新"), 1, NOW)
    assert (saved.version, saved.notes) == (2, "新")
    with pytest.raises(Conflict):
        in_tx(storage, "accounts")("save", replace(stored, notes="旧"), 1, NOW)
    assert in_tx(storage, "accounts")("get", "a1").notes == "新"


def test_a_failed_transaction_writes_nothing_and_records_no_event(storage):
    def work(s):
        s.accounts("t1").add(account(), NOW)
        raise Boom

    with pytest.raises(Boom):
        storage.run(work)
    assert in_tx(storage, "accounts")("get", "a1") is None
    assert committed_events(storage) == []


def test_activity_and_a_reschedule_are_no_new_version(storage):
    in_tx(storage, "accounts")("add", account(), NOW)
    later = NOW + timedelta(days=1)
    in_tx(storage, "accounts")("note_activity", "a1", later, later)
    in_tx(storage, "accounts")("reschedule", "a1", 7, None)  # a stale version: ignored
    found = in_tx(storage, "accounts")("get", "a1")
    assert (found.version, found.last_activity_at) == (1, later)
    assert storage.due_accounts(later, 10) == [("t1", "a1")]
    in_tx(storage, "accounts")("reschedule", "a1", 1, None)
    assert storage.due_accounts(later, 10) == []


def test_dedup_keys_are_held_by_one_account_until_released(storage):
    claim = in_tx(storage, "accounts")
    claim("claim_keys", "a1", {"name": "云图"}, {})
    with pytest.raises(AlreadyExists):
        claim("claim_keys", "a2", {"name": "云图"}, {})
    claim("claim_keys", "a1", {"name": "新名"}, {"name": "云图"})
    claim("claim_keys", "a2", {"name": "云图"}, {})
    in_tx(storage, "accounts", tenant="t2")("claim_keys", "a3", {"name": "新名"}, {})


def test_accounts_are_found_by_their_dedup_keys(storage):
    code = "91310000MA1FL8XQ37"
    in_tx(storage, "accounts")("add", account(unified_social_credit_code=code), NOW)
    found = in_tx(storage, "accounts")("with_keys", {"credit_code": code})
    assert [a.id for a in found] == ["a1"]
    stored = in_tx(storage, "accounts")("get", "a1")
    assert [a.id for a in in_tx(storage, "accounts")("with_keys", {"name": stored.name_key})]
    assert in_tx(storage, "accounts")("with_keys", {"name": "无此公司"}) == []


def test_account_pages_follow_the_sort_and_never_repeat(storage):
    names = ["丙公司", "甲公司", "乙公司"]
    for i, name in enumerate(names):
        in_tx(storage, "accounts")(
            "add", account(f"a{i}", name, at=NOW + timedelta(seconds=i)), None
        )
    in_tx(storage, "accounts", tenant="t2")("add", account("x", "丁公司", tenant="t2"), None)
    page = in_tx(storage, "accounts")
    first = page("page", {}, NEWEST, 2, None)
    assert [a.id for a in first] == ["a2", "a1"]
    after = (first[-1].created_at, first[-1].id)
    assert [a.id for a in page("page", {}, NEWEST, 2, after)] == ["a0"]
    by_name = [a.name_key for a in page("page", {}, BY_NAME, 10, None)]
    assert by_name == sorted(by_name)
    assert [a.id for a in page("page", {"owner_id": "nobody"}, NEWEST, 10, None)] == []


# Contacts and follow-ups --------------------------------------------------------------


def test_contacts_of_an_account_newest_first(storage):
    for i in range(3):
        in_tx(storage, "contacts")("add", contact(f"c{i}", at=NOW + timedelta(seconds=i)))
    in_tx(storage, "contacts")("add", contact("other", account_id="a9"))
    assert [c.id for c in in_tx(storage, "contacts")("of_account", "a1")] == ["c2", "c1", "c0"]
    stored = in_tx(storage, "contacts")("get", "c1")
    assert in_tx(storage, "contacts")("save", replace(stored, title="经理"), 1).version == 2
    with pytest.raises(Conflict):
        in_tx(storage, "contacts")("save", stored, 1)
    query = {"account_id": "a1"}
    assert [c.id for c in in_tx(storage, "contacts")("page", query, NEWEST, 2, None)] == [
        "c2",
        "c1",
    ]


def test_request_keys_remember_what_the_first_request_created(storage):
    keys = in_tx(storage, "request_keys")
    assert keys("created", "account", "k1") == ""
    keys("remember", "account", "k1", "a1", NOW)
    assert keys("created", "account", "k1") == "a1"
    assert keys("created", "deal", "k1") == ""
    assert in_tx(storage, "request_keys", tenant="t2")("created", "account", "k1") == ""


# Deals ----------------------------------------------------------------------------------


def test_a_deal_is_stored_with_its_history_and_pages_by_amount(storage):
    for i, amount in enumerate((500, 90_000, 3_000)):
        in_tx(storage, "deals")("add", deal(f"o{i}", amount=amount), None)
    history = in_tx(storage, "deals")("history", "o0", 10, 0)
    assert [(c.opportunity_id, c.seq) for c in history] == [("o0", 1)]
    assert in_tx(storage, "deals")("history", "o0", 10, 1) == []
    by_amount = in_tx(storage, "deals")("page", {}, BY_AMOUNT, 2, None)
    assert [d.id for d in by_amount] == ["o1", "o2"]
    after = BY_AMOUNT.decode(BY_AMOUNT.encode({"amount_value": Decimal(3000), "_id": "o2"}))
    assert [d.id for d in in_tx(storage, "deals")("page", {}, BY_AMOUNT, 2, after)] == ["o0"]


def test_a_deal_takes_its_accounts_new_name_without_a_new_version(storage):
    in_tx(storage, "deals")("add", deal("o1"), NOW)
    in_tx(storage, "deals")("add", deal("o2", account_id="a2"), NOW)

    def rename(s):
        for opp in s.deals("t1").of_account("a1"):
            s.deals("t1").rename_account(opp, "新云图")

    storage.run(rename)
    found = in_tx(storage, "deals")("get", "o1")
    assert (found.account_name, found.version) == ("新云图", 1)
    assert in_tx(storage, "deals")("get", "o2").account_name == "云图"
    with pytest.raises(Conflict):
        in_tx(storage, "deals")("save", replace(found, description="x"), 2, None)
    assert sorted(storage.due_deals(NOW, 10)) == [("t1", "o1"), ("t1", "o2")]


# Approvals --------------------------------------------------------------------------------


def test_approvals_page_newest_requested_first_by_status(storage):
    for i in range(3):
        in_tx(storage, "approvals")("add", approval(f"p{i}", NOW + timedelta(minutes=i)))
    stored = in_tx(storage, "approvals")("get", "p1")
    decided = replace(stored, status=ApprovalStatus.APPROVED, decided_by="d", decided_at=NOW)
    assert in_tx(storage, "approvals")("save", decided, 1).version == 2
    with pytest.raises(Conflict):
        in_tx(storage, "approvals")("save", decided, 1)
    pending = in_tx(storage, "approvals")("page", {"status": "pending"}, 10, None)
    assert [a.id for a in pending] == ["p2", "p0"]
    first = in_tx(storage, "approvals")("page", {}, 1, None)
    after = (first[0].requested_at, first[0].id)
    assert APPROVAL_SORT.field == "requested_at"
    assert [a.id for a in in_tx(storage, "approvals")("page", {}, 5, after)] == ["p1", "p0"]


# Pipelines and settings ------------------------------------------------------------------


def test_a_tenant_gets_one_default_pipeline_and_its_versions(storage):
    def default(s):
        return s.pipelines("t1", lambda: NOW).default()

    made = storage.run(default)
    again = storage.run(default)
    assert (made.id, made.version) == (again.id, 1)
    assert committed_events(storage).count("PipelineVersionCreated") == 1
    config = in_tx_pipelines(storage)
    assert config("count") == 1
    assert config("version", made.id, 1).id == made.id
    renamed = replace(made, name="新流程", version=2, events=[])
    config("save", renamed)
    assert (config("latest", made.id).name, config("version", made.id, 1).name) == (
        "新流程",
        made.name,
    )
    with pytest.raises(Conflict):
        config("save", renamed)
    assert [p.id for p in config("page", False, 10, None)] == [made.id]
    assert config("unset_other_defaults", made.id) == []


def test_settings_overrides_are_kept_per_tenant_each_save_a_version(storage):
    assert in_tx_pipelines(storage)("settings_version") == 1
    in_tx_pipelines(storage)("save_overrides", {"dormant_after_days": 30})
    in_tx_pipelines(storage)("save_overrides", {"dormant_after_days": 45})
    assert in_tx_pipelines(storage)("overrides") == {"dormant_after_days": 45}
    assert in_tx_pipelines(storage)("settings_version") == 3
    assert in_tx_pipelines(storage, "t2")("overrides") == {}
    assert in_tx_pipelines(storage, "t2")("settings_version") == 1


def in_tx_pipelines(storage, tenant="t1"):
    def call(method, *args):
        return storage.run(lambda s: getattr(s.pipelines(tenant, lambda: NOW), method)(*args))

    return call


# Quote numbers, conversions, the inbox ---------------------------------------------------


def test_quote_numbers_count_per_year_and_a_failed_transaction_gives_its_number_back(storage):
    numbers = in_tx(storage, "quotes")
    assert numbers("next_number", 2026) == "Q-2026-000001"

    def fail(s):
        s.quotes("t1").next_number(2026)
        raise Boom

    with pytest.raises(Boom):
        storage.run(fail)
    assert numbers("next_number", 2026) == "Q-2026-000002"
    assert numbers("next_number", 2027) == "Q-2027-000001"
    assert in_tx(storage, "quotes", tenant="t2")("next_number", 2026) == "Q-2026-000001"


def conversion(key, lead_id="l1"):
    plan = ConversionPlan(
        lead_id=lead_id,
        source="web",
        account_id="a1",
        account=AccountDraft(name="云图"),
        attached_to=None,
        contact_id="c1",
        contact=ContactDraft(name="王"),
        opportunity_id="o1",
        opportunity=OpportunityFields(name="采购"),
    )
    return StoredConversion(start(plan, idempotency_key=key, now=NOW), "u1", "", 1)


def test_one_attempt_holds_a_lead_until_it_is_refused(storage):
    store = in_tx(storage, "conversions")
    store("add", conversion("k1"))
    with pytest.raises(AttemptTaken):
        store("add", conversion("k2"))
    with pytest.raises(AttemptTaken):
        store("add", conversion("k1", lead_id="l2"))
    held = store("holding", "l1")
    assert (held.record.idempotency_key, held.converted_by, held.pipeline_version) == (
        "k1",
        "u1",
        1,
    )
    assert held.record.plan == conversion("k1").record.plan
    refused = refuse(held.record, "no")
    assert store("settle", held.record, refused) is True
    assert store("settle", held.record, refused) is False  # moved already
    assert store("holding", "l1") is None
    assert store("by_key", "k1").record.state is refused.state
    store("add", conversion("k2"))
    assert sorted(c.record.idempotency_key for c in store("of_lead", "l1")) == ["k1", "k2"]


def test_an_event_is_handled_once(storage):
    envelope = {"event_id": "e1", "tenant_id": "t1", "event_type": "LeadConverted"}

    def effect(s):
        s.request_keys("t1").remember("account", "k", "a1", NOW)

    assert storage.handle_once("h", envelope, effect) is True
    assert storage.handle_once("h", envelope, effect) is False
    assert storage.handle_once("other", envelope, lambda s: None) is True
