"""Lists of receivables on the in-memory storage: filters, data scope, overdue days,
cursor paging newest first."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from crm_runtime.errors import ValidationFailed
from crm_runtime.principal import Principal
from payment.apps import PaymentApps
from payment.domain.money import Money
from payment.memory import MemoryPaymentStorage
from payment.plans.domain.model import ContractRef, DueRule, Term
from payment.plans.listing import ReceivableQuery

NOW = datetime(2026, 12, 4, 2, 0, tzinfo=UTC)
FINANCE = Principal("t1", "fin-1", ("finance",), "all")
REP_1 = Principal("t1", "rep-1", ("sales_rep",), "own")
MANAGER = Principal("t1", "mgr", ("sales_manager",), "team", team_id="east")


@pytest.fixture
def apps():
    ticks = iter(range(1000))
    storage = MemoryPaymentStorage()
    clock = lambda: NOW.replace(microsecond=next(ticks) * 1000)  # noqa: E731 (ordered creations)
    apps = PaymentApps.on(storage, clock=clock)
    for i, (owner, team) in enumerate([("rep-1", "east"), ("rep-2", "east"), ("rep-3", "west")]):
        contract = ContractRef(
            f"c-{i}",
            f"HT-{i}",
            1,
            f"acc-{i}",
            "客户",
            owner,
            team,
            Money(Decimal("100.00"), "CNY"),
            date(2026, 11, 1),
        )
        terms = [
            Term(label="a", percent=Decimal("50")),  # due 11-01: 33 days overdue
            Term(
                label="b", percent=Decimal("50"), due_rule=DueRule.DAYS_AFTER_SIGNING, due_days=60
            ),  # due 12-31: upcoming
        ]
        apps.plans.create(FINANCE, contract, terms)
    return apps


def owners(apps, who, **q):
    items, _ = apps.plans.page_receivables(who, ReceivableQuery(**q), 50, "")
    return sorted((r.contract.owner_id, r.status.value) for r in items)


def test_filters_and_scopes(apps):
    assert len(owners(apps, FINANCE)) == 6
    assert owners(apps, FINANCE, statuses=["overdue"], team_ids=["east"]) == [
        ("rep-1", "overdue"),
        ("rep-2", "overdue"),
    ]
    assert owners(apps, REP_1) == [("rep-1", "overdue"), ("rep-1", "upcoming")]
    assert owners(apps, REP_1, owner_ids=["rep-2"]) == []
    assert {o for o, _ in owners(apps, MANAGER)} == {"rep-1", "rep-2"}
    assert owners(apps, FINANCE, account_ids=["acc-2"], contract_id="c-2") == [
        ("rep-3", "overdue"),
        ("rep-3", "upcoming"),
    ]
    assert len(owners(apps, FINANCE, due_from=date(2026, 12, 1), due_to=date(2026, 12, 31))) == 3
    assert len(owners(apps, FINANCE, min_days_overdue=33)) == 3
    assert owners(apps, FINANCE, min_days_overdue=34) == []
    assert owners(apps, FINANCE, min_days_overdue=1, statuses=["paid"]) == []


def test_pages_follow_one_another_newest_first(apps):
    seen, cursor = [], ""
    while True:
        items, cursor = apps.plans.page_receivables(FINANCE, ReceivableQuery(), 4, cursor)
        seen += items
        if not cursor:
            break
    assert len(seen) == 6 and len({r.id for r in seen}) == 6
    assert [r.created_at for r in seen] == sorted((r.created_at for r in seen), reverse=True)


def test_bad_filters_are_named(apps):
    with pytest.raises(ValidationFailed) as exc:
        apps.plans.page_receivables(FINANCE, ReceivableQuery(statuses=["lost"]), 10, "")
    assert exc.value.violations[0].field == "statuses"
    with pytest.raises(ValidationFailed):
        apps.plans.page_receivables(FINANCE, ReceivableQuery(), 10, "garbage")
