"""One contract for the contract service's storage seam (contract.ports), run against
both implementations: the Mongo stores on the embedded MongoDB (events through the real
outbox, checked against their proto messages) and the in-memory fake the unit suite
runs on, so the fake cannot drift from the store."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from contract.apps import ContractApps
from contract.contracts.domain.instalments import Instalment
from contract.contracts.store import ContractFilter
from contract.contracts.use_cases import Change, DraftRequest
from contract.indexes import ensure_indexes
from contract.memory import MemoryContractStorage
from contract.mongo_storage import MongoContractStorage
from contract_fakes import LEGAL, LINES, OTHER_REP, REP, SALES, STRANGER, FakeOpportunities
from crm_runtime.errors import AlreadyExists, StaleVersion, ValidationFailed
from crm_runtime.testing.storage import STORAGES, committed_events, storage_for

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # whole milliseconds, as BSON keeps them


@pytest.fixture(params=STORAGES)
def storage(request):
    return storage_for(
        request, MemoryContractStorage, MongoContractStorage, ensure_indexes, "contract"
    )


@pytest.fixture
def apps(storage):
    ticks = itertools.count()
    return ContractApps.on(
        storage, FakeOpportunities.won_deal(), lambda: NOW + timedelta(seconds=next(ticks))
    )


def test_templates_codes_versions_and_pages(apps):
    first = apps.templates.create(LEGAL, SALES)
    with pytest.raises(AlreadyExists):
        apps.templates.create(LEGAL, SALES)
    from dataclasses import replace

    apps.templates.create(LEGAL, replace(SALES, code="FRAME", kind="framework", active=False))
    apps.templates.update(LEGAL, first.id, lambda c: replace(c, name="销售合同 v2"), 1)
    assert apps.templates.get(LEGAL, first.id).content.name == "销售合同 v2"
    assert apps.templates.get(LEGAL, first.id, 1).content.name == SALES.name
    active, _ = apps.templates.page(LEGAL, False, 50, "")
    assert [t.content.code for t in active] == ["SALES-STD"]
    page, cursor = apps.templates.page(LEGAL, True, 1, "")
    rest, end = apps.templates.page(LEGAL, True, 1, cursor)
    assert [t.content.code for t in page + rest] == ["FRAME", "SALES-STD"] and end == ""
    assert apps.templates.page(STRANGER, True, 50, "")[0] == []


def test_drafts_versions_and_lists_round_trip(apps, storage):
    template = apps.templates.create(LEGAL, SALES)
    a = apps.contracts.draft(REP, DraftRequest(template.id, opportunity_id="opp-1"))
    b = apps.contracts.draft(
        REP, DraftRequest(template.id, account_id="acc-1", lines=LINES[:1], title="小单")
    )
    assert (a.number, b.number) == ("HT-2026-000001", "HT-2026-000002")
    assert apps.contracts.get(REP, a.id) == a
    assert apps.contracts.get(REP, number=b.number) == b
    terms = (
        Instalment(1, "预付", Decimal("33.33"), None),
        Instalment(2, "尾款", Decimal("66.67"), None, "end_of_month_plus", 30),
    )
    v2 = apps.contracts.update(REP, a.id, Change(payment_terms=terms, title="云图ERP合同"), 1)
    assert apps.contracts.get(REP, a.id) == v2
    assert apps.contracts.version(REP, a.id, 1) == a
    with pytest.raises(StaleVersion):
        apps.contracts.update(REP, a.id, Change(title="x"), 1)

    def ids(principal=LEGAL, **f):
        return [c.id for c in apps.contracts.page(principal, ContractFilter(**f), 50, "")[0]]

    assert ids() == [b.id, a.id]
    assert ids(text="云图") == [b.id, a.id] and ids(text="小单") == [b.id]
    assert ids(value_min=Decimal("7000"), value_max=Decimal("100000")) == [a.id]
    assert ids(owner_ids=("rep-1",), statuses=("draft",)) == [b.id, a.id]
    assert ids(OTHER_REP) == [] and ids(REP) == [b.id, a.id]
    assert committed_events(storage) == [
        "ContractTemplateSaved",
        "ContractDrafted",
        "ContractDrafted",
        "ContractVersionSaved",
    ]


def test_a_refused_draft_writes_nothing_and_takes_no_number(apps, storage):
    template = apps.templates.create(LEGAL, SALES)
    bad = (Instalment(1, "首付", Decimal(30), None), Instalment(2, "尾款", Decimal(65), None))
    with pytest.raises(ValidationFailed):
        apps.contracts.draft(
            REP, DraftRequest(template.id, opportunity_id="opp-1", payment_terms=bad)
        )
    assert (
        apps.contracts.draft(REP, DraftRequest(template.id, opportunity_id="opp-1")).number
        == "HT-2026-000001"
    )
    assert committed_events(storage) == ["ContractTemplateSaved", "ContractDrafted"]


def test_the_lifecycle_round_trips_and_its_events_fit_their_messages(apps, storage):
    from datetime import date

    from contract.contracts.domain.contract import Signatory
    from contract_fakes import FINANCE

    template = apps.templates.create(LEGAL, SALES)
    c = apps.contracts.draft(REP, DraftRequest(template.id, opportunity_id="opp-1"))
    c = apps.contracts.submit(REP, c.id, 1)
    rejected = apps.contracts.decide(LEGAL, c.id, "", False, "改违约条款")
    assert apps.contracts.get(LEGAL, c.id) == rejected
    c = apps.contracts.submit(REP, c.id, rejected.version)
    assert [
        x.id for x in apps.contracts.page(LEGAL, ContractFilter(awaiting_caller=True), 50, "")[0]
    ] == [c.id]
    c = apps.contracts.decide(LEGAL, c.id, "", True, "")
    c = apps.contracts.send_for_signature(REP, c.id, c.version)
    both = (Signatory("customer", "王芳"), Signatory("supplier", "李雷"))
    c = apps.contracts.sign(REP, c.id, both, date(2026, 12, 1), "0f" * 32, c.version)
    assert apps.contracts.get(FINANCE, c.id) == c
    from contract.contracts.store import ContractFilter as F

    def ids(principal, **f):
        return [x.id for x in apps.contracts.page(principal, F(**f), 50, "")[0]]

    assert ids(FINANCE, signed_from="2026-12-01", signed_to="2026-12-01") == [c.id]
    assert ids(FINANCE, signed_to="2026-11-30") == [] and ids(LEGAL, awaiting_caller=True) == []
    assert apps.contracts.version(REP, c.id, 2).status == "pending_approval"
    assert committed_events(storage)[-8:] == [
        "ContractSubmitted",
        "ContractApprovalRequested",
        "ContractRejected",
        "ContractSubmitted",
        "ContractApprovalRequested",
        "ContractApproved",
        "ContractSigned",
        "ContractActivated",
    ]


def test_the_approval_policy_round_trips(apps):
    from contract.contracts.domain.approval import DEFAULT_POLICY, Rule

    assert apps.contracts.policy(LEGAL) == (DEFAULT_POLICY, 1)
    mine = (
        Rule("legal", always=True),
        Rule(
            "finance",
            min_value=Decimal("100000.50"),
            min_line_discount=Decimal("12.5"),
            max_term_days=60,
        ),
    )
    assert apps.contracts.replace_policy(LEGAL, mine, 1) == (mine, 2)
    assert apps.contracts.policy(LEGAL) == (mine, 2)
    assert apps.contracts.replace_policy(LEGAL, DEFAULT_POLICY, 2) == (DEFAULT_POLICY, 3)
    assert apps.contracts.policy(STRANGER) == (DEFAULT_POLICY, 1)


def test_an_active_contract_expires_the_day_after_its_end_date_china_time(apps, storage):
    from datetime import date

    from contract.contracts.domain.contract import Signatory
    from contract.contracts.use_cases import ContractChecks

    template = apps.templates.create(LEGAL, SALES)
    c = apps.contracts.draft(
        REP, DraftRequest(template.id, opportunity_id="opp-1", end_date=date(2026, 12, 31))
    )
    c = apps.contracts.submit(REP, c.id, 1)
    c = apps.contracts.decide(LEGAL, c.id, "", True, "")
    c = apps.contracts.send_for_signature(REP, c.id, 0)
    both = (Signatory("customer", "王芳"), Signatory("supplier", "李雷"))
    c = apps.contracts.sign(REP, c.id, both, date(2026, 12, 1), "0f" * 32, 0)
    last_minute = datetime(2026, 12, 31, 15, 59, tzinfo=UTC)  # 23:59 in Beijing
    assert ContractChecks(storage, lambda: last_minute).run() == 0
    midnight = datetime(2026, 12, 31, 16, 0, tzinfo=UTC)
    assert ContractChecks(storage, lambda: midnight).run() == 1
    assert ContractChecks(storage, lambda: midnight + timedelta(days=1)).run() == 0
    assert apps.contracts.get(REP, c.id).status == "expired"
    assert committed_events(storage)[-1] == "ContractExpired"
