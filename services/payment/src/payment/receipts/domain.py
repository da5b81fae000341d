"""A receipt: money received, reported by a finance system, a bank statement or a
finance user, keyed by its external reference (the payer's bank reference or the
finance system's id), unique per tenant. Pure: no I/O.

Recorded once: the same reference again with the same facts (amount, payer, day) is the
same receipt, reported twice; with other facts it is a conflict a person must look at,
never a second receipt and never an overwrite."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from crm_runtime.errors import FieldViolation, ValidationFailed
from crm_runtime.messaging.events import DomainEvent

from payment.domain.money import Money, money_payload, money_problems

MAX_REFERENCE = 128
MAX_TEXT = 200
MAX_MEMO = 500
CLOCK_SKEW = timedelta(minutes=5)  # a bank's clock a little ahead of ours is not the future


class ReceiptSource(StrEnum):
    FINANCE_SYSTEM = "finance_system"
    BANK_STATEMENT = "bank_statement"
    MANUAL = "manual"


class ReceiptStatus(StrEnum):
    UNMATCHED = "unmatched"
    PARTIALLY_MATCHED = "partially_matched"
    MATCHED = "matched"


@dataclass(frozen=True)
class ReceiptDraft:
    """A receipt as reported."""

    external_reference: str
    source: ReceiptSource
    amount: Money
    payer_name: str
    payer_account: str
    received_at: datetime
    contract_number_hint: str = ""
    memo: str = ""


@dataclass(frozen=True)
class Allocation:
    """Part of a receipt applied to one receivable, with the rule that made it and why."""

    id: str
    receivable_id: str
    contract_id: str
    contract_number: str
    owner_id: str
    amount: Money
    method: str  # manual, reference, contract_number, amount
    evidence: str
    matched_by: str
    matched_at: datetime


@dataclass(frozen=True)
class Receipt:
    id: str
    tenant_id: str
    draft: ReceiptDraft
    allocated: Money
    recorded_by: str
    created_at: datetime
    updated_at: datetime
    version: int = 1
    allocations: tuple[Allocation, ...] = ()
    events: tuple[DomainEvent, ...] = field(default=(), compare=False)

    @property
    def unallocated(self) -> Money:
        return self.draft.amount.minus(self.allocated)

    @property
    def status(self) -> ReceiptStatus:
        if self.allocated.amount == 0:
            return ReceiptStatus.UNMATCHED
        if self.unallocated.amount > 0:
            return ReceiptStatus.PARTIALLY_MATCHED
        return ReceiptStatus.MATCHED


def _text(found: list[FieldViolation], name: str, value: str, limit: int) -> None:
    if len(value) > limit:
        found.append(FieldViolation(name, f"must be at most {limit} characters"))


def check_draft(draft: ReceiptDraft, now: datetime) -> ReceiptDraft:
    """The draft with its texts trimmed; ValidationFailed naming each bad field."""
    draft = replace(
        draft,
        external_reference=draft.external_reference.strip(),
        payer_name=draft.payer_name.strip(),
        payer_account=draft.payer_account.strip(),
        contract_number_hint=draft.contract_number_hint.strip(),
    )
    found = money_problems("amount", draft.amount)
    if not draft.external_reference:
        found.append(FieldViolation("external_reference", "is required"))
    _text(found, "external_reference", draft.external_reference, MAX_REFERENCE)
    if not draft.payer_name:
        found.append(FieldViolation("payer_name", "is required"))
    _text(found, "payer_name", draft.payer_name, MAX_TEXT)
    _text(found, "payer_account", draft.payer_account, 64)
    _text(found, "contract_number_hint", draft.contract_number_hint, 64)
    _text(found, "memo", draft.memo, MAX_MEMO)
    if draft.received_at.tzinfo is None:
        found.append(FieldViolation("received_at", "must carry a time zone"))
    elif draft.received_at > now + CLOCK_SKEW:
        found.append(FieldViolation("received_at", "must not be in the future"))
    if found:
        raise ValidationFailed(found)
    return draft


def record_receipt(
    draft: ReceiptDraft, *, receipt_id: str, tenant_id: str, by: str, now: datetime
) -> Receipt:
    """A new receipt, nothing allocated yet, and its ReceiptRecorded."""
    draft = check_draft(draft, now)
    receipt = Receipt(
        id=receipt_id,
        tenant_id=tenant_id,
        draft=draft,
        allocated=Money(Decimal(0), draft.amount.currency),
        recorded_by=by,
        created_at=now,
        updated_at=now,
    )
    event = DomainEvent(
        event_type="ReceiptRecorded",
        tenant_id=tenant_id,
        aggregate_type="receipt",
        aggregate_id=receipt_id,
        aggregate_version=1,
        occurred_at=now,
        payload={
            "receipt_id": receipt_id,
            "external_reference": draft.external_reference,
            "source": draft.source.value,
            "amount": money_payload(draft.amount),
            "payer_name": draft.payer_name,
            "received_at": draft.received_at.isoformat(),
            "contract_number_hint": draft.contract_number_hint,
            "recorded_by": by,
        },
    )
    return replace(receipt, events=(event,))


def differences(recorded: Receipt, reported: ReceiptDraft) -> list[str]:
    """What a report of a recorded reference says otherwise (none: the same receipt)."""
    first = recorded.draft
    found = []
    if first.amount != reported.amount:
        found.append("amount")
    if first.payer_name != reported.payer_name.strip():
        found.append("payer_name")
    if first.payer_account != reported.payer_account.strip():
        found.append("payer_account")
    if first.received_at.date() != reported.received_at.date():
        found.append("received_at")
    return found
