"""What analytics knows of each receivable (an instalment of a payment plan), folded
order-free from the payment events (ADR 0033): its amount, due date, owner and
customer from PaymentPlanCreated; what was paid as the set of allocations made
(ReceiptMatched) minus those released (ReceiptUnmatched); a plan replaced by an
amendment's plan no longer counts. Pure Python."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any

from analytics.domain.facts import day, instant, money

PAYMENT_EVENTS = ("PaymentPlanCreated", "ReceiptMatched", "ReceiptUnmatched")


@dataclass(frozen=True)
class Allocation:
    allocation_id: str
    amount: Decimal
    received_on: date | None = None  # the receipt's day (UTC)


@dataclass(frozen=True)
class Receivable:
    receivable_id: str
    plan_id: str = ""
    contract_id: str = ""
    contract_number: str = ""
    account_id: str = ""
    owner_id: str = ""
    team_id: str = ""
    amount: Decimal = Decimal(0)
    currency: str = ""
    due_on: date | None = None
    allocations: tuple[Allocation, ...] = ()  # by id
    released: tuple[str, ...] = ()  # allocation ids, sorted
    replaced: bool = False  # its plan was replaced by an amendment's

    @property
    def paid(self) -> Decimal:
        return sum((a.amount for a in self.live_allocations), Decimal(0))

    @property
    def live_allocations(self) -> list[Allocation]:
        gone = set(self.released)
        return [a for a in self.allocations if a.allocation_id not in gone]

    @property
    def outstanding(self) -> Decimal:
        return max(self.amount - self.paid, Decimal(0))


def _allocate(r: Receivable, made_now: Allocation) -> Receivable:
    if any(a.allocation_id == made_now.allocation_id for a in r.allocations):
        return r
    made = sorted((*r.allocations, made_now), key=lambda a: a.allocation_id)
    return replace(r, allocations=tuple(made))


def apply(
    receivables: dict[str, Receivable], replaced_plans: set[str], envelope: dict[str, Any]
) -> list[Receivable]:
    """The receivables an event changes, given those it names or whose plan it replaces
    (by id) and the plans known to be replaced; `replaced_plans` is updated in place."""
    payload: dict[str, Any] = envelope.get("payload") or {}
    event_type = envelope["event_type"]
    changed: list[Receivable] = []

    def known(receivable_id: str) -> Receivable:
        return receivables.get(receivable_id) or Receivable(receivable_id)

    if event_type == "PaymentPlanCreated":
        if payload.get("replaces_plan_id"):
            replaced_plans.add(payload["replaces_plan_id"])
            changed += [
                replace(r, replaced=True)
                for r in receivables.values()
                if r.plan_id == payload["replaces_plan_id"] and not r.replaced
            ]
        for item in payload.get("instalments") or []:
            amount, currency = money(item.get("amount"))
            changed.append(
                replace(
                    known(item["receivable_id"]),
                    plan_id=payload.get("plan_id", ""),
                    contract_id=payload.get("contract_id", ""),
                    contract_number=payload.get("contract_number", ""),
                    account_id=payload.get("account_id", ""),
                    owner_id=payload.get("owner_id", ""),
                    team_id=payload.get("team_id", ""),
                    amount=amount,
                    currency=currency,
                    due_on=day(item.get("due_date")),
                    replaced=payload.get("plan_id", "") in replaced_plans,
                )
            )
    elif event_type == "ReceiptMatched":
        received = instant(payload.get("received_at")) or instant(envelope.get("occurred_at"))
        for a in payload.get("allocations") or []:
            amount, _ = money(a.get("amount"))
            made = Allocation(a["allocation_id"], amount, received.date() if received else None)
            changed.append(_allocate(known(a["receivable_id"]), made))
    elif event_type == "ReceiptUnmatched":
        for a in payload.get("released") or []:
            r = known(a["receivable_id"])
            released = tuple(sorted({*r.released, a["allocation_id"]}))
            changed.append(replace(r, released=released))
    return changed


def touched(envelope: dict[str, Any]) -> tuple[list[str], str]:
    """(receivable ids an event names, the plan it replaces or "")."""
    payload: dict[str, Any] = envelope.get("payload") or {}
    event_type = envelope["event_type"]
    if event_type == "PaymentPlanCreated":
        ids = [i["receivable_id"] for i in payload.get("instalments") or []]
        return ids, payload.get("replaces_plan_id", "")
    key = "allocations" if event_type == "ReceiptMatched" else "released"
    return [a["receivable_id"] for a in payload.get(key) or []], ""
