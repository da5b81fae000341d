"""One contract for the payment storage seam, run on the in-memory fake and on the Mongo
stores over the embedded MongoDB, so the fake cannot drift; and, on MongoDB only,
parallel creation of one contract's plan and redelivery of one event from threads."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from crm_runtime.errors import AlreadyExists, Conflict, ValidationFailed
from crm_runtime.testing.storage import STORAGES, committed_events, storage_for
from payment.apps import PaymentApps
from payment.domain.money import Money
from payment.indexes import ensure_indexes
from payment.memory import MemoryPaymentStorage
from payment.mongo_storage import MongoPaymentStorage
from payment.plans.domain.model import ContractRef, DueRule, PlanSource, Term
from payment.plans.domain.plans import create_plan, reach_milestone

NOW = datetime(2026, 2, 10, 2, 0, tzinfo=UTC)


@pytest.fixture(params=STORAGES)
def storage(request):
    return storage_for(
        request, MemoryPaymentStorage, MongoPaymentStorage, ensure_indexes, "payment"
    )


def plan(tenant: str = "t1", contract_id: str = "c-1", version: int = 1):
    contract = ContractRef(
        contract_id=contract_id,
        contract_number="HT-1",
        document_version=version,
        account_id="acc-1",
        account_name="上海云图",
        owner_id="rep-1",
        team_id="team-east",
        value=Money(Decimal("100.00"), "CNY"),
        signed_date=date(2026, 2, 1),
    )
    terms = [
        Term(
            label="a",
            percent=Decimal("33.3333"),
            due_rule=DueRule.DAYS_AFTER_SIGNING,
            due_days=20,
        ),
        Term(
            label="b", percent=Decimal("66.6667"), due_rule=DueRule.ON_MILESTONE, milestone="验收"
        ),
    ]
    return create_plan(
        plan_id=str(uuid.uuid4()),
        receivable_ids=[str(uuid.uuid4()), str(uuid.uuid4())],
        tenant_id=tenant,
        contract=contract,
        terms=terms,
        source=PlanSource.API,
        by="fin-1",
        now=NOW,
    )


def test_a_plan_reads_back_as_written_with_exact_money(storage):
    made = plan()
    storage.run(lambda s: s.plans("t1").add(made))
    read = storage.run(lambda s: s.plans("t1").get(made.id))
    assert read == made
    assert [r.amount.amount for r in read.receivables] == [Decimal("33.33"), Decimal("66.67")]
    assert storage.run(lambda s: s.plans("t1").of_contract("c-1", 1)) == made
    assert storage.run(lambda s: s.plans("t1").active_of("c-1")) == made
    assert (
        storage.run(lambda s: s.receivables("t1").get(made.receivables[1].id))
        == (made.receivables[1])
    )
    assert committed_events(storage) == ["PaymentPlanCreated"]


def test_another_tenant_sees_none_of_it(storage):
    made = plan()
    storage.run(lambda s: s.plans("t1").add(made))
    assert storage.run(lambda s: s.plans("t2").get(made.id)) is None
    assert storage.run(lambda s: s.plans("t2").active_of("c-1")) is None
    assert storage.run(lambda s: s.receivables("t2").get(made.receivables[0].id)) is None


def test_a_second_plan_of_a_contract_version_is_refused_and_writes_nothing(storage):
    storage.run(lambda s: s.plans("t1").add(plan()))
    with pytest.raises(AlreadyExists):
        storage.run(lambda s: s.plans("t1").add(plan()))
    storage.run(lambda s: s.plans("t2").add(plan(tenant="t2")))  # another tenant's contract
    later = plan(version=2)
    storage.run(lambda s: s.plans("t1").add(later))
    assert storage.run(lambda s: s.plans("t1").active_of("c-1")).id == later.id
    assert committed_events(storage) == ["PaymentPlanCreated"] * 3


def test_a_receivable_is_saved_over_its_version_only(storage):
    made = plan()
    storage.run(lambda s: s.plans("t1").add(made))
    after = reach_milestone(made.receivables[1], date(2026, 2, 3), "rep-1", NOW)
    storage.run(lambda s: s.receivables("t1").save(after, 1))
    assert storage.run(lambda s: s.receivables("t1").get(after.id)) == after
    with pytest.raises(Conflict):
        storage.run(lambda s: s.receivables("t1").save(replace(after, version=3), 1))
    assert committed_events(storage) == ["PaymentPlanCreated", "ReceivableDueDateSet"]


def test_an_event_is_handled_once(storage):
    envelope = {"event_id": "e-1", "event_type": "ContractSigned", "tenant_id": "t1"}
    made = plan()
    assert storage.handle_once("h", envelope, lambda s: s.plans("t1").add(made)) is True
    assert storage.handle_once("h", envelope, lambda s: s.plans("t1").add(plan())) is False
    assert storage.handle_once("other", envelope, lambda s: None) is True


def test_parallel_plans_for_one_contract_make_one(mongo_client, database_name):
    """Eight finance users posting the same contract's plan at once on SecantusDB."""
    ensure_indexes(mongo_client[database_name])
    from crm_runtime.messaging.outbox import OutboxWriter
    from crm_runtime.storage.mongo import UnitOfWork

    storage = MongoPaymentStorage(UnitOfWork(mongo_client, database_name, OutboxWriter("p")))

    def attempt(_: int) -> str:
        try:
            storage.run(lambda s: s.plans("t1").add(plan()))
            return "made"
        except AlreadyExists:
            return "exists"

    with ThreadPoolExecutor(8) as pool:
        outcomes = sorted(pool.map(attempt, range(8)))
    assert outcomes == ["exists"] * 7 + ["made"]
    db = mongo_client[database_name]
    assert db.payment_plans.count_documents({}) == 1
    assert db.receivables.count_documents({}) == 2
    assert db.outbox.count_documents({}) == 1


def test_one_contract_signed_sent_twice_at_once_makes_one_plan(mongo_client, database_name):
    from crm_runtime.messaging.outbox import OutboxWriter
    from crm_runtime.storage.mongo import UnitOfWork

    ensure_indexes(mongo_client[database_name])
    uow = UnitOfWork(mongo_client, database_name, OutboxWriter("payment"))
    apps = PaymentApps.build(uow)
    payload = {
        "contract_id": "c-5",
        "number": "HT-5",
        "document_version": 1,
        "account_id": "a",
        "owner_id": "rep-1",
        "value": {"currency": "CNY", "units": "10", "nanos": 0},
        "signed_date": "2026-02-01",
    }
    envelopes = [
        {
            "event_id": str(uuid.uuid4()),
            "event_type": "ContractSigned",
            "tenant_id": "t1",
            "payload": payload,
        }
        for _ in range(3)
    ]
    with ThreadPoolExecutor(6) as pool:
        handled = list(pool.map(apps.plans.on_contract_signed, envelopes * 2))
    assert sorted(handled) == [False] * 3 + [True] * 3
    db = mongo_client[database_name]
    assert db.payment_plans.count_documents({"contract_id": "c-5"}) == 1
    assert db.outbox.count_documents({"event_type": "PaymentPlanCreated"}) == 1


def test_the_calendars_queue_holds_what_is_due_across_tenants(storage):
    first, second = plan(), plan(tenant="t2")
    storage.run(lambda s: s.plans("t1").add(first))
    storage.run(lambda s: s.plans("t2").add(second))
    # signed 02-01 CST, due 20 days on: due from 2026-02-20T16:00Z; milestones wait
    assert storage.due_receivables(datetime(2026, 2, 20, 15, 59, tzinfo=UTC), 10) == []
    due = storage.due_receivables(datetime(2026, 2, 20, 16, 0, tzinfo=UTC), 10)
    assert sorted(due) == [("t1", first.receivables[0].id), ("t2", second.receivables[0].id)]
    assert len(storage.due_receivables(datetime(2026, 3, 1, tzinfo=UTC), 1)) == 1


def test_two_replicas_move_each_receivable_once(mongo_client, database_name):
    from crm_runtime.messaging.outbox import OutboxWriter
    from crm_runtime.storage.mongo import UnitOfWork

    ensure_indexes(mongo_client[database_name])
    uow = UnitOfWork(mongo_client, database_name, OutboxWriter("payment"))
    storage = MongoPaymentStorage(uow)
    for i in range(10):
        made = plan(contract_id=f"c-{i}")
        storage.run(lambda s, made=made: s.plans("t1").add(made))
    later = datetime(2026, 2, 21, 1, 0, tzinfo=UTC)  # the first instalments' due day
    replicas = [PaymentApps.on(MongoPaymentStorage(uow), clock=lambda: later) for _ in range(3)]
    with ThreadPoolExecutor(3) as pool:
        moved = sum(pool.map(lambda apps: apps.plans.run_calendar(), replicas))
    assert moved == 10
    db = mongo_client[database_name]
    assert db.outbox.count_documents({"event_type": "ReceivableDue"}) == 10
    assert db.receivables.count_documents({"status": "due"}) == 10


def receipt(tenant: str = "t1", reference: str = "BANK-1"):
    from payment.receipts.domain import ReceiptDraft, ReceiptSource, record_receipt

    draft = ReceiptDraft(
        external_reference=reference,
        source=ReceiptSource.BANK_STATEMENT,
        amount=Money(Decimal("33.33"), "CNY"),
        payer_name="上海云图",
        payer_account="6222",
        received_at=datetime(2026, 2, 9, 1, 30, tzinfo=UTC),
        memo="HT-1-1",
    )
    return record_receipt(draft, receipt_id=str(uuid.uuid4()), tenant_id=tenant, by="f", now=NOW)


def test_a_receipt_reads_back_and_its_reference_is_taken_once(storage):
    made = receipt()
    storage.run(lambda s: s.receipts("t1").add(made))
    assert storage.run(lambda s: s.receipts("t1").get(made.id)) == made
    assert storage.run(lambda s: s.receipts("t1").by_reference("BANK-1")) == made
    with pytest.raises(AlreadyExists):
        storage.run(lambda s: s.receipts("t1").add(receipt()))
    assert storage.run(lambda s: s.receipts("t2").by_reference("BANK-1")) is None
    storage.run(lambda s: s.receipts("t2").add(receipt(tenant="t2")))
    assert committed_events(storage) == ["ReceiptRecorded"] * 2


def test_one_receipt_reported_eight_times_at_once_is_recorded_once(mongo_client, database_name):
    """A finance system retrying, and a bank statement line, all racing on SecantusDB."""
    from crm_runtime.messaging.outbox import OutboxWriter
    from crm_runtime.principal import Principal
    from crm_runtime.storage.mongo import UnitOfWork

    ensure_indexes(mongo_client[database_name])
    apps = PaymentApps.build(UnitOfWork(mongo_client, database_name, OutboxWriter("payment")))
    finance = Principal("t1", "fin-1", ("finance",), "all")
    draft = receipt().draft
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: apps.receipts.record(finance, draft), range(8)))
    assert sorted(duplicate for _, duplicate in answers) == [False] + [True] * 7
    assert len({r.id for r, _ in answers}) == 1
    db = mongo_client[database_name]
    assert db.receipts.count_documents({}) == 1
    assert db.outbox.count_documents({"event_type": "ReceiptRecorded"}) == 1


def test_two_finance_users_never_allocate_one_amount_twice(mongo_client, database_name):
    """Four receipts racing to pay the same 33.33 receivable in full on SecantusDB: one
    allocation lands, the others conflict, and nothing is paid twice."""
    from crm_runtime.errors import Conflict
    from crm_runtime.messaging.outbox import OutboxWriter
    from crm_runtime.principal import Principal
    from crm_runtime.storage.mongo import UnitOfWork
    from payment.reconciliation.domain import AllocationRequest

    ensure_indexes(mongo_client[database_name])
    apps = PaymentApps.build(UnitOfWork(mongo_client, database_name, OutboxWriter("payment")))
    finance = Principal("t1", "fin-1", ("finance",), "all")
    made = plan()
    apps.plans.storage.run(lambda s: s.plans("t1").add(made))
    target = made.receivables[0]
    receipts = [
        apps.receipts.record(finance, receipt(reference=f"R-{i}").draft)[0] for i in range(4)
    ]

    def attempt(r) -> str:
        try:
            asked = [AllocationRequest(target.id, Money(Decimal("33.33"), "CNY"))]
            apps.reconciliation.match(finance, r.id, asked, "", 0)
            return "allocated"
        except (Conflict, ValidationFailed):
            return "refused"

    with ThreadPoolExecutor(4) as pool:
        outcomes = sorted(pool.map(attempt, receipts))
    assert outcomes == ["allocated"] + ["refused"] * 3
    db = mongo_client[database_name]
    stored = db.receivables.find_one({"_id": target.id})
    assert stored["paid"]["amount"].to_decimal() == Decimal("33.33")
    assert stored["status"] == "paid"
    assert db.outbox.count_documents({"event_type": "ReceiptMatched"}) == 1
    allocated = [d for d in db.receipts.find() if d["allocations"]]
    assert len(allocated) == 1


def test_a_page_of_receivables_is_newest_first_and_keyset_paged(storage):
    from payment.indexes import NEWEST_FIRST

    made = [plan(contract_id=f"c-{i}") for i in range(3)]
    for p in made:
        storage.run(lambda s, p=p: s.plans("t1").add(p))
    query = {"owner_id": {"$in": ["rep-1"]}}
    first = storage.run(lambda s: s.receivables("t1").page(query, "owner_id", 4, None))
    assert len(first) == 4
    last = first[-1]
    after = NEWEST_FIRST.decode(
        NEWEST_FIRST.encode({"_id": last.id, "created_at": last.created_at})
    )
    rest = storage.run(lambda s: s.receivables("t1").page(query, "owner_id", 4, after))
    assert len(rest) == 2 and not {r.id for r in rest} & {r.id for r in first}
    assert storage.run(lambda s: s.receivables("t2").page({}, "", 10, None)) == []


@pytest.mark.parametrize(
    ("key", "query"),
    [
        ("", {}),
        ("owner_id", {"owner_id": "rep-1"}),
        ("team_id", {"team_id": {"$in": ["east"]}, "due_date": {"$gte": "2026-01-01"}}),
        ("account_id", {"account_id": {"$in": ["a"]}, "owner_id": "rep-1"}),
        ("contract_id", {"contract_id": "c-1", "status": {"$in": ["overdue"]}}),
        ("status", {"status": {"$in": ["overdue"]}}),
    ],
)
def test_every_receivable_list_runs_on_its_index(mongo_client, database_name, key, query):
    from payment.indexes import NEWEST_FIRST, RECEIVABLE_LISTS

    db = mongo_client[database_name]
    ensure_indexes(db)
    hint = RECEIVABLE_LISTS[key].name
    cursor = db.receivables.find({"tenant_id": "t1", **query}).sort(NEWEST_FIRST.spec).hint(hint)
    plan_text = str(cursor.explain()["queryPlanner"]["winningPlan"])
    # As the opportunity's list tests: SecantusDB's explain shows a SORT stage above
    # the index walk even when the index holds the sort order; what it proves is the
    # named index, and no collection scan.
    assert "IXSCAN" in plan_text and "COLLSCAN" not in plan_text and hint in plan_text


@pytest.mark.parametrize(
    ("key", "query"),
    [
        ("", {}),
        ("status", {"status": {"$in": ["unmatched", "partially_matched"]}}),
        ("source", {"source": {"$in": ["bank_statement"]}, "received_at": {"$gte": NOW}}),
    ],
)
def test_every_receipt_list_runs_on_its_index(mongo_client, database_name, key, query):
    from payment.indexes import LATEST_RECEIVED_FIRST, RECEIPT_LISTS

    db = mongo_client[database_name]
    ensure_indexes(db)
    hint = RECEIPT_LISTS[key].name
    found = db.receipts.find({"tenant_id": "t1", **query}).sort(LATEST_RECEIVED_FIRST.spec)
    plan_text = str(found.hint(hint).explain()["queryPlanner"]["winningPlan"])
    assert "IXSCAN" in plan_text and "COLLSCAN" not in plan_text and hint in plan_text


def test_a_page_of_receipts_filters_on_exact_amounts(storage):
    from payment.receipts.listing import ReceiptQuery, list_key, receipt_query

    for i in range(3):
        made = receipt(reference=f"R-{i}")
        storage.run(lambda s, made=made: s.receipts("t1").add(made))
    query = receipt_query(ReceiptQuery(statuses=["unmatched"], amount_min=Decimal("33.33")))
    found = storage.run(lambda s: s.receipts("t1").page(query, list_key(query), 2, None))
    assert len(found) == 2
    none = receipt_query(ReceiptQuery(amount_min=Decimal("33.34")))
    assert storage.run(lambda s: s.receipts("t1").page(none, list_key(none), 5, None)) == []
