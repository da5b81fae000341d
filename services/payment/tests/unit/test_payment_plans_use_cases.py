"""Plan use cases on the in-memory storage: a plan by hand and from ContractSigned, once
each; nothing written for a refused plan; reads within the caller's data scope; a
milestone reached under a version check."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from crm_runtime.errors import (
    AlreadyExists,
    FailedPrecondition,
    NotFound,
    StaleVersion,
    ValidationFailed,
)
from crm_runtime.principal import Principal
from payment.apps import PaymentApps
from payment.domain.money import Money
from payment.memory import MemoryPaymentStorage
from payment.plans.domain.model import ContractRef, DueRule, PlanSource, ReceivableStatus, Term

NOW = datetime(2026, 2, 10, 2, 0, tzinfo=UTC)
FINANCE = Principal("t1", "fin-1", ("finance",), "all")
OWNER = Principal("t1", "rep-1", ("sales_rep",), "own")
OTHER_REP = Principal("t1", "rep-2", ("sales_rep",), "own")
MANAGER = Principal("t1", "mgr-1", ("sales_manager",), "team", team_id="team-east")
OTHER_TENANT = Principal("t2", "fin-1", ("finance",), "all")


def contract(contract_id: str = "c-1", version: int = 1) -> ContractRef:
    return ContractRef(
        contract_id=contract_id,
        contract_number="HT-2026-0001",
        document_version=version,
        account_id="acc-1",
        account_name="上海云图科技有限公司",
        owner_id="rep-1",
        team_id="team-east",
        value=Money(Decimal("1000000.00"), "CNY"),
        signed_date=date(2026, 2, 1),
    )


TERMS = [
    Term(label="首付款", percent=Decimal("30")),
    Term(label="验收款", percent=Decimal("70"), due_rule=DueRule.ON_MILESTONE, milestone="验收"),
]


@pytest.fixture
def storage() -> MemoryPaymentStorage:
    return MemoryPaymentStorage()


@pytest.fixture
def apps(storage: MemoryPaymentStorage) -> PaymentApps:
    return PaymentApps.on(storage, clock=lambda: NOW)


def signed_event(tenant: str = "t1", **payload: object) -> dict[str, object]:
    return {
        "event_id": str(uuid.uuid4()),
        "event_type": "ContractSigned",
        "tenant_id": tenant,
        "payload": {
            "contract_id": "c-7",
            "number": "HT-2026-0007",
            "document_version": 1,
            "is_amendment": False,
            "account_id": "acc-7",
            "account_name": "杭州数澜",
            "owner_id": "rep-1",
            "team_id": "team-east",
            "value": {"currency": "CNY", "units": "500000", "nanos": 0},
            "payment_terms": [
                {"sequence": 1, "label": "全款", "amount": {"currency": "CNY", "units": "500000"}}
            ],
            "signed_date": "2026-02-01",
            **payload,
        },
    }


def test_a_plan_by_hand_is_stored_with_its_event(apps, storage):
    plan = apps.plans.create(FINANCE, contract(), TERMS)
    assert apps.plans.get(FINANCE, plan.id) == plan
    assert apps.plans.get(FINANCE, "", contract_id="c-1").id == plan.id
    assert [e.event_type for e in storage.uow.events] == ["PaymentPlanCreated"]
    assert plan.source is PlanSource.API and plan.created_by == "fin-1"


def test_a_contract_version_has_one_plan(apps, storage):
    apps.plans.create(FINANCE, contract(), TERMS)
    with pytest.raises(AlreadyExists):
        apps.plans.create(FINANCE, contract(), TERMS)
    apps.plans.create(FINANCE, contract(version=2), TERMS)
    assert apps.plans.get(FINANCE, "", contract_id="c-1").contract.document_version == 2
    assert len(storage.uow.events) == 2


def test_a_refused_plan_writes_nothing(apps, storage):
    with pytest.raises(ValidationFailed):
        apps.plans.create(FINANCE, contract(), [Term(label="", percent=Decimal("99"))])
    assert storage.uow.events == [] and storage.uow.tables.get("payment_plans", {}) == {}


def test_reads_keep_to_the_callers_scope_and_tenant(apps):
    plan = apps.plans.create(FINANCE, contract(), TERMS)
    receivable = plan.receivables[0]
    for who in (OWNER, MANAGER, FINANCE):
        assert apps.plans.get(who, plan.id).id == plan.id
        assert apps.plans.get_receivable(who, receivable.id).id == receivable.id
    for who in (OTHER_REP, OTHER_TENANT):
        with pytest.raises(NotFound):
            apps.plans.get(who, plan.id)
        with pytest.raises(NotFound):
            apps.plans.get_receivable(who, receivable.id)


def test_contract_signed_makes_the_plan_once_per_event_and_once_per_version(apps, storage):
    event = signed_event()
    assert apps.plans.on_contract_signed(event) is True
    assert apps.plans.on_contract_signed(event) is False  # redelivered
    assert apps.plans.on_contract_signed(signed_event()) is True  # sent twice: no second plan
    plan = apps.plans.get(FINANCE, "", contract_id="c-7")
    assert plan.source is PlanSource.CONTRACT_SIGNED and plan.created_by == "system"
    assert [r.amount.amount for r in plan.receivables] == [Decimal("500000")]
    assert [e.event_type for e in storage.uow.events] == ["PaymentPlanCreated"]


def test_a_plan_set_by_hand_first_is_kept_when_the_event_comes(apps, storage):
    by_hand = apps.plans.create(FINANCE, contract("c-7"), TERMS)
    assert apps.plans.on_contract_signed(signed_event()) is True
    assert apps.plans.get(FINANCE, "", contract_id="c-7").id == by_hand.id


def test_an_amendment_is_refused_until_amendments_are_built(apps, storage):
    with pytest.raises(FailedPrecondition):
        apps.plans.on_contract_signed(signed_event(is_amendment=True, document_version=2))
    assert storage.uow.events == []


def test_a_milestone_is_reached_once_under_its_version(apps, storage):
    plan = apps.plans.create(FINANCE, contract(), TERMS)
    waiting = plan.receivables[1]
    with pytest.raises(StaleVersion):
        apps.plans.reach_milestone(OWNER, waiting.id, date(2026, 2, 5), expected_version=7)
    with pytest.raises(NotFound):
        apps.plans.reach_milestone(OTHER_REP, waiting.id, date(2026, 2, 5), 0)
    reached = apps.plans.reach_milestone(OWNER, waiting.id, date(2026, 2, 5), 1)
    assert reached.due_date == date(2026, 2, 5) and reached.status is ReceivableStatus.OVERDUE
    assert apps.plans.get_receivable(FINANCE, waiting.id) == reached
    with pytest.raises(FailedPrecondition):
        apps.plans.reach_milestone(OWNER, waiting.id, date(2026, 2, 6), 0)
    types = [e.event_type for e in storage.uow.events]
    assert types == ["PaymentPlanCreated", "ReceivableDueDateSet"]


def test_the_calendar_moves_each_due_receivable_once(storage):
    moments = [NOW]
    apps = PaymentApps.on(storage, clock=lambda: moments[0])
    terms = [
        Term(label="a", percent=Decimal("50"), due_rule=DueRule.DAYS_AFTER_SIGNING, due_days=10),
        Term(label="b", percent=Decimal("50"), due_rule=DueRule.DAYS_AFTER_SIGNING, due_days=12),
    ]
    plan = apps.plans.create(FINANCE, contract(), terms)  # signed 02-01: due 02-11, 02-13
    assert apps.plans.run_calendar() == 0
    moments[0] = datetime(2026, 2, 11, 1, 0, tzinfo=UTC)
    assert apps.plans.run_calendar() == 1 and apps.plans.run_calendar() == 0
    moments[0] = datetime(2026, 2, 20, 1, 0, tzinfo=UTC)
    assert apps.plans.run_calendar() == 2 and apps.plans.run_calendar() == 0
    statuses = [apps.plans.get_receivable(FINANCE, r.id).status for r in plan.receivables]
    assert statuses == [ReceivableStatus.OVERDUE] * 2
    types = [e.event_type for e in storage.uow.events]
    assert types == [
        "PaymentPlanCreated",
        "ReceivableDue",
        "ReceivableOverdue",
        "ReceivableOverdue",
    ]
