"""What the payment service's use cases need from storage, named as Protocols: the seam.
`mongo_storage.py` implements it on MongoDB, `memory.py` in memory for the unit tests;
one contract suite (tests/integration/test_payment_store_contract.py) runs against both."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol, TypeVar

from payment.plans.domain.model import PaymentPlan, Receivable
from payment.receipts.domain import Receipt

T = TypeVar("T")


class Plans(Protocol):
    """One tenant's payment plans (with their receivables) inside one transaction."""

    def add(self, plan: PaymentPlan) -> None:
        """Store the plan, its receivables and its events; AlreadyExists when the
        contract's version has a plan already."""

    def get(self, plan_id: str) -> PaymentPlan | None: ...

    def of_contract(self, contract_id: str, document_version: int) -> PaymentPlan | None: ...

    def active_of(self, contract_id: str) -> PaymentPlan | None:
        """The contract's active plan (of its latest version)."""


Query = dict[str, Any]
Position = tuple[Any, str] | None  # where the previous page ended (None: the start)


class Receivables(Protocol):
    def get(self, receivable_id: str) -> Receivable | None: ...

    def page(self, query: Query, key: str, limit: int, after: Position) -> list[Receivable]:
        """Newest first, on the list index led by `key` (payment.indexes.RECEIVABLE_LISTS)."""

    def with_values(self, field: str, values: list[str], limit: int) -> list[Receivable]:
        """Receivables whose `field` (reference, contract_number) is one of `values`."""

    def save(self, receivable: Receivable, expected_version: int) -> None:
        """Write over `expected_version` (Conflict otherwise), with its events."""


class Receipts(Protocol):
    def add(self, receipt: Receipt) -> None:
        """Store it with its events; AlreadyExists when its reference is recorded."""

    def get(self, receipt_id: str) -> Receipt | None: ...

    def by_reference(self, reference: str) -> Receipt | None: ...

    def save(self, receipt: Receipt, expected_version: int) -> None:
        """Write over `expected_version` (Conflict otherwise), with its events."""

    def page(self, query: Query, key: str, limit: int, after: Position) -> list[Receipt]:
        """Latest received first, on the list index led by `key` (indexes.RECEIPT_LISTS)."""


class Stores(Protocol):
    def plans(self, tenant_id: str) -> Plans: ...

    def receivables(self, tenant_id: str) -> Receivables: ...

    def receipts(self, tenant_id: str) -> Receipts: ...


class PaymentStorage(Protocol):
    def run(self, work: Callable[[Stores], T]) -> T:
        """`work` in one transaction: all of its writes and events, or none."""

    def handle_once(
        self, handler: str, envelope: dict[str, Any], effect: Callable[[Stores], None]
    ) -> bool:
        """`effect` in one transaction with the event id recorded; False (and nothing
        done) when `handler` has handled this event already."""

    def due_receivables(self, now: datetime, limit: int) -> list[tuple[str, str]]:
        """(tenant, id) of receivables whose status the calendar moves at or before
        `now`, oldest first, across tenants: the worker timer's one cross-tenant read."""
