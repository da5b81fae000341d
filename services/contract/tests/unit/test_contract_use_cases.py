"""Template and contract use cases on the in-memory storage: drafting from a won deal's
issued quote and from scratch, template versions a draft keeps, saved versions, scope."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from contract.apps import ContractApps
from contract.contracts.domain.instalments import Instalment
from contract.contracts.store import ContractFilter
from contract.contracts.use_cases import Change, DraftRequest
from contract.memory import MemoryContractStorage
from contract.templates.domain import Clause
from contract_fakes import LEGAL, LINES, OTHER_REP, REP, SALES, STRANGER, FakeOpportunities
from crm_runtime.errors import (
    AlreadyExists,
    FailedPrecondition,
    NotFound,
    StaleVersion,
    ValidationFailed,
)

NOW = datetime(2026, 12, 5, 8, 0, tzinfo=UTC)


@pytest.fixture
def storage():
    return MemoryContractStorage()


def apps_on(storage, opportunities=None):
    ticks = itertools.count()
    clock = lambda: NOW + timedelta(seconds=next(ticks))  # noqa: E731
    return ContractApps.on(storage, opportunities or FakeOpportunities.won_deal(), clock)


@pytest.fixture
def apps(storage):
    return apps_on(storage)


@pytest.fixture
def template(apps):
    return apps.templates.create(LEGAL, SALES)


def test_template_codes_are_unique_and_every_version_stays_readable(apps, template):
    with pytest.raises(AlreadyExists):
        apps.templates.create(LEGAL, SALES)
    new_clause = (Clause("subject", "合同标的", "乙方向{{customer.name}}交付软件及服务。", True),)
    v2 = apps.templates.update(LEGAL, template.id, lambda c: replace(c, clauses=new_clause), 1)
    assert v2.version == 2
    assert apps.templates.get(LEGAL, template.id, 1).content.clauses == SALES.clauses
    with pytest.raises(StaleVersion):
        apps.templates.update(LEGAL, template.id, lambda c: replace(c, name="x"), 1)


def test_a_draft_from_a_won_deal_copies_the_quote_exactly(apps, storage, template):
    c = apps.contracts.draft(REP, DraftRequest(template.id, opportunity_id="opp-1"))
    assert c.number == "HT-2026-000001" and c.status == "draft" and c.version == 1
    assert c.origin.quote_id == "q-1" and c.origin.quote_version == 2
    quote = FakeOpportunities.won_deal().quotes["q-1"]
    assert c.content.lines == quote.lines
    assert (c.totals.net_total, c.totals.tax_total, c.totals.value) == (
        quote.net_total,
        quote.tax_total,
        quote.total,
    )
    assert c.parties[0].name == "上海云图科技有限公司" and c.parties[0].contact_name == "王芳"
    assert c.content.payment_terms[0].amount == quote.total
    assert c.owner_id == "rep-1" and c.team_id == "team-1"
    assert [e.event_type for e in storage.events] == ["ContractTemplateSaved", "ContractDrafted"]


def test_a_template_change_never_alters_a_drafted_contract(apps, template):
    c = apps.contracts.draft(REP, DraftRequest(template.id, opportunity_id="opp-1"))
    apps.templates.update(
        LEGAL,
        template.id,
        lambda x: replace(x, clauses=(Clause("subject", "标的", "全新条款"),)),
        0,
    )
    again = apps.contracts.get(REP, c.id)
    assert [x.text for x in again.content.clauses] == [x.text for x in SALES.clauses]
    assert again.origin.template_version == 1


@pytest.mark.parametrize(
    ("status", "stage", "quote_status"),
    [("open", "negotiation", "issued"), ("lost", "lost", "issued"), ("won", "won", "draft")],
)
def test_only_a_won_or_signing_deal_and_an_issued_quote_draft(
    storage, template, status, stage, quote_status
):
    apps = apps_on(storage, FakeOpportunities.won_deal(status, stage, quote_status))
    with pytest.raises(FailedPrecondition):
        apps.contracts.draft(REP, DraftRequest(template.id, opportunity_id="opp-1"))


def test_a_deal_in_the_signing_stage_drafts(storage, template):
    apps = apps_on(storage, FakeOpportunities.won_deal("open", "contract_signing"))
    assert apps.contracts.draft(REP, DraftRequest(template.id, opportunity_id="opp-1")).number


def test_instalments_that_do_not_add_up_write_nothing(apps, storage, template):
    terms = (Instalment(1, "首付", Decimal(30), None), Instalment(2, "尾款", Decimal(65), None))
    with pytest.raises(ValidationFailed) as refused:
        apps.contracts.draft(
            REP, DraftRequest(template.id, opportunity_id="opp-1", payment_terms=terms)
        )
    assert (
        refused.value.violations[0].description == "instalments: percentages add up to 95, not 100"
    )
    assert [e.event_type for e in storage.events] == ["ContractTemplateSaved"]
    assert apps.contracts.page(LEGAL, ContractFilter(), 50, "")[0] == []


def test_from_scratch_lines_are_computed_and_numbers_count_up(apps, template):
    first = apps.contracts.draft(
        REP, DraftRequest(template.id, account_id="acc-1", lines=LINES, title="框架")
    )
    second = apps.contracts.draft(REP, DraftRequest(template.id, account_id="acc-1", lines=LINES))
    assert (first.number, second.number) == ("HT-2026-000001", "HT-2026-000002")
    assert first.content.lines[0].total == Decimal("6101.97")  # 5999.97 - 600.00 + 702.00
    assert first.totals.value == Decimal("6101.97") + Decimal("3180.00")
    with pytest.raises(ValidationFailed) as refused:
        apps.contracts.draft(
            REP,
            DraftRequest(
                template.id, account_id="acc-1", lines=(replace(LINES[0], quantity=Decimal(0)),)
            ),
        )
    assert refused.value.violations[0].field == "contract.lines[0].quantity"


def test_every_saved_change_is_a_version_and_each_stays_readable(apps, storage, template):
    c = apps.contracts.draft(REP, DraftRequest(template.id, opportunity_id="opp-1"))
    terms = (
        Instalment(1, "预付", Decimal(30), None),
        Instalment(2, "验收", Decimal(70), None, "milestone", 0, "验收"),
    )
    v2 = apps.contracts.update(
        REP, c.id, Change(payment_terms=terms, clauses={"payment": "改过的付款条款"}), 1
    )
    assert v2.version == 2 and [x.edited for x in v2.content.clauses] == [False, True]
    assert sum(t.amount or 0 for t in v2.content.payment_terms) == v2.totals.value
    with pytest.raises(StaleVersion):
        apps.contracts.update(REP, c.id, Change(title="x"), 1)
    assert apps.contracts.version(REP, c.id, 1).content.payment_terms == c.content.payment_terms
    versions, cursor = apps.contracts.versions(REP, c.id, 1, "")
    assert [v.version for v in versions] == [2] and cursor
    assert [v.version for v in apps.contracts.versions(REP, c.id, 1, cursor)[0]] == [1]
    assert storage.events[-1].event_type == "ContractVersionSaved"
    assert storage.events[-1].payload["changed_fields"] == ["payment_terms", "clauses"]


def test_the_data_scope_and_the_tenant_hide_contracts(apps, template):
    c = apps.contracts.draft(REP, DraftRequest(template.id, opportunity_id="opp-1"))
    for outsider in (OTHER_REP, STRANGER):
        with pytest.raises(NotFound):
            apps.contracts.get(outsider, c.id)
        assert apps.contracts.page(outsider, ContractFilter(), 50, "")[0] == []
    assert apps.contracts.get(LEGAL, c.id).id == c.id


def test_lists_filter_by_text_amount_and_status(apps, template):
    a = apps.contracts.draft(REP, DraftRequest(template.id, opportunity_id="opp-1"))
    b = apps.contracts.draft(
        REP, DraftRequest(template.id, account_id="acc-1", lines=LINES[:1], title="小单")
    )

    def ids(**f):
        return [c.id for c in apps.contracts.page(LEGAL, ContractFilter(**f), 50, "")[0]]

    assert ids() == [b.id, a.id]
    assert ids(text="云图") == [b.id, a.id]
    assert ids(text="小单") == [b.id]
    assert ids(text="000001") == [a.id]
    assert ids(value_min=Decimal("7000")) == [a.id]
    assert ids(statuses=("draft",), opportunity_id="opp-1") == [a.id]
    assert ids(statuses=("signed",)) == []
