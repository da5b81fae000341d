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
