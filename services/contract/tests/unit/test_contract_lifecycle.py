"""The lifecycle on the in-memory storage: the chain the policy chooses (with why),
decisions by role, once, never by the submitter; rejection back to the owner; manual
signing by both parties making the contract active with its instalments in the event;
illegal moves refused naming the states they are allowed from."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from contract.apps import ContractApps
from contract.contracts.domain.contract import Signatory
from contract.contracts.domain.instalments import Instalment
from contract.contracts.domain.lines import LineInput
from contract.contracts.use_cases import Change, DraftRequest
from contract.memory import MemoryContractStorage
from contract_fakes import DIRECTOR, FINANCE, LEGAL, LINES, REP, SALES, FakeOpportunities
from crm_runtime.errors import Conflict, FailedPrecondition, PermissionDenied, ValidationFailed

NOW = datetime(2026, 12, 5, 8, 0, tzinfo=UTC)
SCAN = "ab" * 32
BOTH = (Signatory("customer", "王芳", "总经理"), Signatory("supplier", "李雷", "销售总监"))
BIG = (LineInput("ERP", "ERP 许可", Decimal(1), "套", Decimal("1280000"), Decimal(0), Decimal(0)),)


@pytest.fixture
def storage():
    return MemoryContractStorage()


@pytest.fixture
def apps(storage):
    ticks = itertools.count()
    return ContractApps.on(
        storage, FakeOpportunities.won_deal(), lambda: NOW + timedelta(seconds=next(ticks))
    )


@pytest.fixture
def template(apps):
    return apps.templates.create(LEGAL, SALES)


def drafted(apps, template, lines=LINES, terms=()):
    return apps.contracts.draft(
        REP, DraftRequest(template.id, account_id="acc-1", lines=lines, payment_terms=terms)
    )


def test_the_policy_chooses_the_chain_and_says_why(apps, template):
    small = apps.contracts.submit(REP, drafted(apps, template).id, 1)
    assert [(s.role, s.rule, s.status) for s in small.steps] == [
        ("legal", "legal: always", "pending")
    ]
    big = drafted(
        apps, template, BIG, (Instalment(1, "尾款", Decimal(100), None, "days_after_signing", 120),)
    )
    big = apps.contracts.update(REP, big.id, Change(clauses={"payment": "改"}), 1)
    chain = apps.contracts.submit(REP, big.id, 2).steps
    assert [(s.role, s.rule, s.status) for s in chain] == [
        ("legal", "legal: always", "pending"),
        (
            "finance",
            "finance: amount 1,280,000.00 ≥ 200,000.00; payment terms longer than 90 days",
            "waiting",
        ),
        (
            "general_manager",
            "general_manager: amount 1,280,000.00 ≥ 1,000,000.00; a standard clause was edited",
            "waiting",
        ),
    ]


def test_steps_are_decided_in_order_by_their_role_once_never_by_the_submitter(
    apps, storage, template
):
    c = apps.contracts.submit(REP, drafted(apps, template, BIG).id, 1)
    with pytest.raises(PermissionDenied):
        apps.contracts.decide(FINANCE, c.id, "", True, "")  # the pending step is legal's
    with pytest.raises(PermissionDenied):
        apps.contracts.decide(REP, c.id, "", True, "")
    legal_step = c.steps[0].id
    c = apps.contracts.decide(LEGAL, c.id, legal_step, True, "")
    with pytest.raises(Conflict):
        apps.contracts.decide(LEGAL, c.id, legal_step, True, "")
    with pytest.raises(Conflict):  # not its turn yet
        apps.contracts.decide(DIRECTOR, c.id, c.steps[2].id, True, "")
    c = apps.contracts.decide(FINANCE, c.id, "", True, "")
    c = apps.contracts.decide(DIRECTOR, c.id, "", True, "")
    assert c.status == "approved" and [s.approver_id for s in c.steps] == [
        "legal-1",
        "fin-1",
        "gm-1",
    ]
    assert [e.event_type for e in storage.events][-5:] == [
        "ContractSubmitted",
        "ContractApprovalRequested",
        "ContractApprovalRequested",
        "ContractApprovalRequested",
        "ContractApproved",
    ]


def test_a_rejection_needs_a_reason_and_returns_the_contract_for_editing(apps, template):
    c = apps.contracts.submit(REP, drafted(apps, template, BIG).id, 1)
    with pytest.raises(ValidationFailed) as no_reason:
        apps.contracts.decide(LEGAL, c.id, "", False, " ")
    assert no_reason.value.violations[0].field == "comment"
    c = apps.contracts.decide(LEGAL, c.id, "", False, "违约条款需修改")
    assert c.status == "rejected" and [s.status for s in c.steps] == [
        "rejected",
        "cancelled",
        "cancelled",
    ]
    c = apps.contracts.update(REP, c.id, Change(title="修改后"), c.version)
    assert apps.contracts.submit(REP, c.id, c.version).steps[0].status == "pending"


def test_signed_by_both_parties_the_contract_is_active_and_carries_its_instalments(
    apps, storage, template
):
    terms = (
        Instalment(1, "预付", Decimal(30), None, "on_signing"),
        Instalment(2, "到货", Decimal(60), None, "end_of_month_plus", 15),
        Instalment(3, "验收", Decimal(10), None, "milestone", 0, "验收合格"),
    )
    c = apps.contracts.submit(REP, drafted(apps, template, terms=terms).id, 1)
    c = apps.contracts.decide(LEGAL, c.id, "", True, "")
    with pytest.raises(FailedPrecondition) as early:
        apps.contracts.sign(REP, c.id, BOTH, date(2026, 12, 5), SCAN, 0)
    assert "allowed only from out_for_signature" in early.value.message
    c = apps.contracts.send_for_signature(REP, c.id, c.version)
    with pytest.raises(ValidationFailed) as one_party:
        apps.contracts.sign(REP, c.id, BOTH[:1], date(2026, 12, 5), "nope", 0)
    assert [v.field for v in one_party.value.violations] == ["signatories", "file_sha256"]
    c = apps.contracts.sign(REP, c.id, BOTH, date(2026, 12, 3), SCAN, c.version)
    assert (c.status, c.effective_date, c.signature.file_sha256) == (
        "active",
        date(2026, 12, 3),
        SCAN,
    )
    activated = storage.events[-1]
    assert (
        activated.event_type == "ContractActivated"
        and storage.events[-2].event_type == "ContractSigned"
    )
    plan = [(i["amount"], i["due_date"], i["percent"]) for i in activated.payload["instalments"]]
    value = c.totals.value  # 9281.97
    assert plan == [
        ({"currency": "CNY", "units": "2784", "nanos": 590000000}, "2026-12-03", "30"),
        ({"currency": "CNY", "units": "5569", "nanos": 180000000}, "2027-01-15", "60"),
        ({"currency": "CNY", "units": "928", "nanos": 200000000}, "", "10"),
    ]
    assert sum(t.amount for t in c.content.payment_terms) == value
    with pytest.raises(ValidationFailed):
        apps.contracts.terminate(REP, c.id, "", 0)
    ended = apps.contracts.terminate(REP, c.id, "客户破产", 0)
    assert (ended.status, ended.termination_reason) == ("terminated", "客户破产")
    with pytest.raises(FailedPrecondition):
        apps.contracts.complete(REP, c.id, 0)


def test_the_tenants_policy_replaces_the_default_under_its_version(apps, template):
    from contract.contracts.domain.approval import DEFAULT_POLICY, Rule
    from crm_runtime.errors import StaleVersion

    assert apps.contracts.policy(LEGAL) == (DEFAULT_POLICY, 1)
    with pytest.raises(ValidationFailed) as bad:
        apps.contracts.replace_policy(LEGAL, (Rule("legal"), Rule("legal", always=True)), 1)
    assert [v.field for v in bad.value.violations] == ["rules[0]", "rules[1].role"]
    mine = (Rule("finance", always=True), Rule("legal", min_value=Decimal(5000)))
    assert apps.contracts.replace_policy(LEGAL, mine, 1) == (mine, 2)
    with pytest.raises(StaleVersion):
        apps.contracts.replace_policy(LEGAL, DEFAULT_POLICY, 1)
    chain = apps.contracts.submit(REP, drafted(apps, template).id, 1).steps
    assert [(s.role, s.rule) for s in chain] == [
        ("finance", "finance: always"),
        ("legal", "legal: amount 9,281.97 ≥ 5,000.00"),
    ]
