"""Receipts on the in-memory storage: each bad field named, recorded once per external
reference (a repeat answers the first, marked duplicate; other facts are a conflict),
tenants apart."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from crm_runtime.errors import AlreadyExists, NotFound, ValidationFailed
from crm_runtime.principal import Principal
from payment.apps import PaymentApps
from payment.domain.money import Money
from payment.memory import MemoryPaymentStorage
from payment.receipts.domain import ReceiptDraft, ReceiptSource, ReceiptStatus

NOW = datetime(2026, 12, 4, 2, 0, tzinfo=UTC)
FINANCE = Principal("t1", "fin-1", ("finance",), "all")
OTHER_TENANT = Principal("t2", "fin-1", ("finance",), "all")
DRAFT = ReceiptDraft(
    external_reference=" CMB-20261204-000123 ",
    source=ReceiptSource.FINANCE_SYSTEM,
    amount=Money(Decimal("300000.00"), "CNY"),
    payer_name="上海云图科技有限公司",
    payer_account="6222021001001234",
    received_at=NOW - timedelta(hours=1),
    contract_number_hint="HT-2026-0001",
    memo="HT-2026-0001-1 首付款",
)


@pytest.fixture
def storage():
    return MemoryPaymentStorage()


@pytest.fixture
def apps(storage):
    return PaymentApps.on(storage, clock=lambda: NOW)


def test_a_receipt_is_recorded_with_its_event(apps, storage):
    receipt, duplicate = apps.receipts.record(FINANCE, DRAFT)
    assert not duplicate and receipt.draft.external_reference == "CMB-20261204-000123"
    assert receipt.status is ReceiptStatus.UNMATCHED
    assert receipt.unallocated == Money(Decimal("300000.00"), "CNY")
    assert apps.receipts.get(FINANCE, receipt.id) == receipt
    assert [e.event_type for e in storage.uow.events] == ["ReceiptRecorded"]


def test_the_same_reference_again_is_the_same_receipt(apps, storage):
    first, _ = apps.receipts.record(FINANCE, DRAFT)
    again, duplicate = apps.receipts.record(FINANCE, replace(DRAFT, memo="resent"))
    assert duplicate and again == first
    assert len(storage.uow.events) == 1


def test_other_facts_under_a_recorded_reference_are_a_conflict(apps, storage):
    apps.receipts.record(FINANCE, DRAFT)
    with pytest.raises(AlreadyExists, match="another amount, payer_name"):
        apps.receipts.record(
            FINANCE, replace(DRAFT, amount=Money(Decimal("1.00"), "CNY"), payer_name="别人")
        )
    assert len(storage.uow.events) == 1


def test_tenants_keep_their_own_references(apps):
    first, _ = apps.receipts.record(FINANCE, DRAFT)
    theirs, duplicate = apps.receipts.record(OTHER_TENANT, DRAFT)
    assert not duplicate and theirs.id != first.id
    with pytest.raises(NotFound):
        apps.receipts.get(OTHER_TENANT, first.id)


def test_each_bad_field_is_named_and_nothing_is_written(apps, storage):
    bad = replace(
        DRAFT,
        external_reference=" ",
        amount=Money(Decimal("0.001"), "cny"),
        payer_name="",
        received_at=NOW + timedelta(hours=1),
        memo="x" * 501,
    )
    with pytest.raises(ValidationFailed) as exc:
        apps.receipts.record(FINANCE, bad)
    assert [v.field for v in exc.value.violations] == [
        "amount.currency",
        "amount.amount",
        "external_reference",
        "payer_name",
        "memo",
        "received_at",
    ]
    assert storage.uow.events == []


def test_receipts_are_listed_latest_first_by_status_source_time_and_amount(apps):
    from payment.receipts.listing import ReceiptQuery

    for i, (amount, source) in enumerate(
        [
            ("100.00", ReceiptSource.BANK_STATEMENT),
            ("250.50", ReceiptSource.MANUAL),
            ("999.99", ReceiptSource.BANK_STATEMENT),
        ]
    ):
        apps.receipts.record(
            FINANCE,
            replace(
                DRAFT,
                external_reference=f"R-{i}",
                amount=Money(Decimal(amount), "CNY"),
                source=source,
                received_at=NOW - timedelta(hours=3 - i),
            ),
        )

    def refs(limit=50, cursor="", **q):
        items, nxt = apps.receipts.page(FINANCE, ReceiptQuery(**q), limit, cursor)
        return [r.draft.external_reference for r in items], nxt

    assert refs()[0] == ["R-2", "R-1", "R-0"]
    assert refs(sources=["bank_statement"])[0] == ["R-2", "R-0"]
    assert refs(amount_min=Decimal("100.01"), amount_max=Decimal("999.99"))[0] == ["R-2", "R-1"]
    assert refs(received_from=NOW - timedelta(hours=2), received_to=NOW - timedelta(hours=2))[
        0
    ] == ["R-1"]
    assert refs(statuses=["unmatched"])[0] == ["R-2", "R-1", "R-0"]
    assert refs(statuses=["matched"])[0] == []
    first, cursor = refs(limit=2)
    rest, end = refs(limit=2, cursor=cursor)
    assert (first, rest, end) == (["R-2", "R-1"], ["R-0"], "")
    with pytest.raises(ValidationFailed):
        refs(sources=["cash"])
    assert apps.receipts.page(OTHER_TENANT, ReceiptQuery(), 10, "")[0] == []
