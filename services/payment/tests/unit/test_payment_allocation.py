"""Manual allocation on the in-memory storage: a receipt split across receivables with
the amounts chosen, an over-payment kept unallocated, refused (never clipped) beyond the
receipt's unallocated or a receivable's outstanding amount, nothing written then."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from crm_runtime.errors import StaleVersion, ValidationFailed
from crm_runtime.principal import Principal
from payment.apps import PaymentApps
from payment.domain.money import Money
from payment.memory import MemoryPaymentStorage
from payment.plans.domain.model import ContractRef, DueRule, ReceivableStatus, Term
from payment.receipts.domain import ReceiptDraft, ReceiptSource, ReceiptStatus
from payment.reconciliation.domain import AllocationRequest

NOW = datetime(2026, 12, 4, 2, 0, tzinfo=UTC)
FINANCE = Principal("t1", "fin-1", ("finance",), "all")


def cny(text: str) -> Money:
    return Money(Decimal(text), "CNY")


@pytest.fixture
def storage():
    return MemoryPaymentStorage()


@pytest.fixture
def apps(storage):
    return PaymentApps.on(storage, clock=lambda: NOW)


@pytest.fixture
def plan(apps):
    contract = ContractRef(
        "c-1", "HT-1", 1, "acc-1", "云图", "rep-1", "team-east", cny("1000.00"), date(2026, 12, 1)
    )
    terms = [
        Term(label="a", amount=cny("300.00")),
        Term(label="b", amount=cny("700.00"), due_rule=DueRule.DAYS_AFTER_SIGNING, due_days=30),
    ]
    return apps.plans.create(FINANCE, contract, terms)


def receipt(apps, amount: str, reference: str = "BANK-1"):
    draft = ReceiptDraft(
        reference,
        ReceiptSource.BANK_STATEMENT,
        cny(amount),
        "云图",
        "6222",
        NOW - timedelta(hours=2),
    )
    return apps.receipts.record(FINANCE, draft)[0]


def test_a_receipt_is_split_and_the_over_payment_stays_unallocated(apps, plan, storage):
    first, second = plan.receivables
    paid = receipt(apps, "1200.00")
    asked = [AllocationRequest(first.id, cny("300.00")), AllocationRequest(second.id, cny("650"))]
    match = apps.reconciliation.match(FINANCE, paid.id, asked, "电话确认", 1)
    assert match.receipt.unallocated == cny("250.00")
    assert match.receipt.status is ReceiptStatus.PARTIALLY_MATCHED
    assert [(r.status, r.outstanding.amount) for r in match.receivables] == [
        (ReceivableStatus.PAID, Decimal("0")),
        (ReceivableStatus.PARTIALLY_PAID, Decimal("50")),
    ]
    assert [a.method for a in match.receipt.allocations] == ["manual", "manual"]
    assert "电话确认" in match.receipt.allocations[0].evidence
    types = [e.event_type for e in storage.uow.events]
    assert types[-2:] == ["ReceiptMatched", "ReceivableSettled"]
    settled = storage.uow.events[-1].payload
    assert settled["plan_settled"] is False and settled["days_late"] == 3  # due 12-01
    rest = apps.reconciliation.match(
        FINANCE, paid.id, [AllocationRequest(second.id, cny("50.00"))], "", 0
    )
    assert rest.receipt.unallocated == cny("200.00") and len(rest.receipt.allocations) == 3
    assert storage.uow.events[-1].payload["plan_settled"] is True


def test_too_much_is_refused_never_clipped_and_nothing_is_written(apps, plan, storage):
    first, second = plan.receivables
    paid = receipt(apps, "500.00")
    before = len(storage.uow.events)
    cases = [
        ([AllocationRequest(first.id, cny("300.01"))], ["allocations[0].amount"]),
        (
            [AllocationRequest(first.id, cny("300")), AllocationRequest(second.id, cny("200.01"))],
            ["allocations"],
        ),
        ([AllocationRequest("nope", cny("1"))], ["allocations[0].receivable_id"]),
        (
            [AllocationRequest(first.id, cny("1")), AllocationRequest(first.id, cny("1"))],
            ["allocations[1].receivable_id"],
        ),
        ([AllocationRequest(first.id, cny("0.001"))], ["allocations[0].amount.amount"]),
    ]
    for asked, fields in cases:
        with pytest.raises(ValidationFailed) as exc:
            apps.reconciliation.match(FINANCE, paid.id, asked, "", 0)
        assert [v.field for v in exc.value.violations] == fields
    assert len(storage.uow.events) == before
    assert apps.receipts.get(FINANCE, paid.id).allocations == ()
    with pytest.raises(StaleVersion):
        apps.reconciliation.match(FINANCE, paid.id, [AllocationRequest(first.id, cny("1"))], "", 9)


def test_several_receipts_settle_one_receivable_and_a_paid_one_takes_no_more(apps, plan):
    first, _ = plan.receivables
    for reference in ("R-1", "R-2"):
        paid = receipt(apps, "150.00", reference)
        apps.reconciliation.match(
            FINANCE, paid.id, [AllocationRequest(first.id, cny("150"))], "", 0
        )
    assert apps.plans.get_receivable(FINANCE, first.id).status is ReceivableStatus.PAID
    extra = receipt(apps, "10.00", "R-3")
    with pytest.raises(ValidationFailed) as exc:
        apps.reconciliation.match(FINANCE, extra.id, [AllocationRequest(first.id, cny("1"))], "", 0)
    assert exc.value.violations[0].description == "is paid"


def test_the_reference_rule_pays_the_named_instalments_and_says_why(apps, plan, storage):
    from dataclasses import replace as change

    named = change(
        receipt(apps, "1200.00").draft, external_reference="BANK-9", memo="HT-1-1 HT-1-2"
    )
    paid = apps.receipts.record(FINANCE, named)[0]
    dry = apps.reconciliation.auto_match(FINANCE, paid.id, dry_run=True)
    assert (dry.rule, dry.match) == ("reference", None)
    done = apps.reconciliation.auto_match(FINANCE, paid.id, dry_run=False)
    assert done.rule == "reference" and done.reason == "the payer named HT-1-1, HT-1-2"
    assert [a.amount.amount for a in done.receipt.allocations] == [Decimal("300"), Decimal("700")]
    assert {a.method for a in done.receipt.allocations} == {"reference"}
    assert {a.matched_by for a in done.receipt.allocations} == {"system"}
    assert done.receipt.unallocated == cny("200.00")  # the over-payment stays as credit
    again = apps.reconciliation.auto_match(FINANCE, paid.id, dry_run=False)
    assert again.rule == "" and again.reason.startswith("no receivable of the named contracts")
    assert storage.uow.events[-3].event_type == "ReceiptMatched"


def test_the_contract_number_rule_needs_exactly_one_receivable_of_that_amount(apps, plan):
    from dataclasses import replace as change

    _, second = plan.receivables
    exact = receipt(apps, "700.00", "BANK-7")
    exact = apps.receipts.record(
        FINANCE, change(exact.draft, external_reference="BANK-8", contract_number_hint="HT-1")
    )[0]
    done = apps.reconciliation.auto_match(FINANCE, exact.id, dry_run=False)
    assert done.rule == "contract_number" and "HT-1-2 is outstanding exactly" in done.reason
    assert apps.plans.get_receivable(FINANCE, second.id).status is ReceivableStatus.PAID
    odd = apps.receipts.record(
        FINANCE, change(exact.draft, external_reference="BANK-10", amount=cny("123.00"))
    )[0]
    missed = apps.reconciliation.auto_match(FINANCE, odd.id, dry_run=False)
    assert missed.rule == "" and "no receivable of the named contracts" in missed.reason
    nothing = receipt(apps, "5.00", "PLAIN")
    assert apps.reconciliation.auto_match(FINANCE, nothing.id, dry_run=False).reason == (
        "the payer named no receivable and no contract"
    )
