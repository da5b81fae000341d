"""What a plan and its receivables are: the due rules, the statuses, the contract a
plan belongs to, and the event every receivable change emits. Pure: no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from crm_runtime.messaging.events import DomainEvent

from payment.domain.money import Money

TENANT_ZONE = ZoneInfo("Asia/Shanghai")
MAX_INSTALMENTS = 60
MAX_DUE_DAYS = 3650
MAX_LABEL = 100
HUNDRED = Decimal(100)


class DueRule(StrEnum):
    FIXED_DATE = "fixed_date"
    ON_SIGNING = "on_signing"
    DAYS_AFTER_SIGNING = "days_after_signing"
    END_OF_MONTH_PLUS_DAYS = "end_of_month_plus_days"
    ON_MILESTONE = "on_milestone"


class ReceivableStatus(StrEnum):
    UPCOMING = "upcoming"
    DUE = "due"
    OVERDUE = "overdue"
    PARTIALLY_PAID = "partially_paid"
    PAID = "paid"
    WRITTEN_OFF = "written_off"
    DISPUTED = "disputed"
    CANCELLED = "cancelled"


# Set by people or payments, never moved by the calendar.
SETTLED_BY_HAND = frozenset(
    {
        ReceivableStatus.PAID,
        ReceivableStatus.WRITTEN_OFF,
        ReceivableStatus.DISPUTED,
        ReceivableStatus.CANCELLED,
    }
)


class PlanSource(StrEnum):
    API = "api"
    CONTRACT_SIGNED = "contract_signed"


def tenant_today(now: datetime) -> date:
    return now.astimezone(TENANT_ZONE).date()


@dataclass(frozen=True)
class Term:
    """One instalment as asked for: `amount` or `percent` (exactly one), and its rule."""

    label: str
    amount: Money | None = None
    percent: Decimal | None = None
    due_rule: DueRule = DueRule.ON_SIGNING
    due_days: int = 0
    due_date: date | None = None
    milestone: str = ""


@dataclass(frozen=True)
class ContractRef:
    """What a plan needs to know of its contract (from the event or the request)."""

    contract_id: str
    contract_number: str
    document_version: int
    account_id: str
    account_name: str
    owner_id: str
    team_id: str
    value: Money
    signed_date: date


@dataclass(frozen=True)
class Receivable:
    id: str
    tenant_id: str
    plan_id: str
    contract: ContractRef
    sequence: int
    label: str
    amount: Money
    paid: Money
    due_rule: DueRule
    due_days: int
    milestone: str
    percent: Decimal | None
    due_date: date | None
    milestone_reached: date | None
    status: ReceivableStatus
    created_at: datetime
    updated_at: datetime
    version: int = 1
    write_off_reason: str = ""
    written_off_by: str = ""
    dispute_reason: str = ""
    events: tuple[DomainEvent, ...] = field(default=(), compare=False)

    @property
    def reference(self) -> str:
        """The code a payer may quote in a remittance memo: HT-2026-0001-2."""
        return f"{self.contract.contract_number}-{self.sequence}"

    @property
    def outstanding(self) -> Money:
        return Money(max(self.amount.amount - self.paid.amount, Decimal(0)), self.amount.currency)


@dataclass(frozen=True)
class PaymentPlan:
    id: str
    tenant_id: str
    contract: ContractRef
    source: PlanSource
    receivables: tuple[Receivable, ...]
    created_by: str
    created_at: datetime
    updated_at: datetime
    active: bool = True
    replaces_plan_id: str = ""
    version: int = 1
    events: tuple[DomainEvent, ...] = field(default=(), compare=False)

    @property
    def total(self) -> Money:
        return self.contract.value

    @property
    def paid_total(self) -> Money:
        return Money(sum((r.paid.amount for r in self.receivables), Decimal(0)), self.currency)

    @property
    def outstanding_total(self) -> Money:
        return Money(
            sum((r.outstanding.amount for r in self.receivables), Decimal(0)), self.currency
        )

    @property
    def currency(self) -> str:
        return self.contract.value.currency


def receivable_event(r: Receivable, kind: str, now: datetime, **payload: Any) -> DomainEvent:
    """An event of `r` at its version: its identity and its contract's, and `payload`."""
    c = r.contract
    return DomainEvent(
        event_type=kind,
        tenant_id=r.tenant_id,
        aggregate_type="receivable",
        aggregate_id=r.id,
        aggregate_version=r.version,
        occurred_at=now,
        payload={
            "receivable_id": r.id,
            "plan_id": r.plan_id,
            "contract_id": c.contract_id,
            "contract_number": c.contract_number,
            "account_id": c.account_id,
            "owner_id": c.owner_id,
            "team_id": c.team_id,
            **payload,
        },
    )
