"""Automatic matching by ordered, explainable rules (pure). The first rule that finds
something proposes the allocations and says why; when none does, the reason says what
was looked for, and the receipt waits in the unmatched queue.

1. reference: the memo, contract hint or external reference names receivables'
   references (HT-2026-0001-2); they are paid in due-date order, each up to its
   outstanding amount, what is left stays on the receipt.
2. contract_number: it names a contract number, and exactly one open receivable of
   that contract is outstanding for exactly the receipt's unallocated amount.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from payment.domain.money import Money
from payment.plans.domain.model import Receivable
from payment.receipts.domain import Receipt
from payment.reconciliation.domain import PAYABLE, AllocationRequest

TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_/-]{2,63}")
MAX_TOKENS = 20


@dataclass(frozen=True)
class Proposal:
    rule: str  # the MatchMethod: reference, contract_number
    evidence: str
    allocations: tuple[AllocationRequest, ...]


def tokens(receipt: Receipt) -> list[str]:
    """The codes a payer may have written: words of the memo, hint and reference,
    and each word's prefixes at its dashes (HT-2026-0001-2 also names HT-2026-0001)."""
    d = receipt.draft
    found: list[str] = []
    for word in TOKEN.findall(f"{d.memo} {d.contract_number_hint} {d.external_reference}"):
        parts = word.split("-")
        for n in range(len(parts), 0, -1):
            candidate = "-".join(parts[:n])
            if len(candidate) >= 3 and candidate not in found:
                found.append(candidate)
    return found[: MAX_TOKENS * 4]


def _open(candidates: Sequence[Receivable]) -> list[Receivable]:
    late = date.max
    return sorted(
        (r for r in candidates if r.status in PAYABLE and r.outstanding.amount > 0),
        key=lambda r: (r.due_date or late, r.contract.contract_number, r.sequence),
    )


def by_reference(receipt: Receipt, named: Sequence[Receivable]) -> Proposal | None:
    left = receipt.unallocated.amount
    asked = []
    for r in _open(named):
        if left <= 0:
            break
        amount = min(left, r.outstanding.amount)
        asked.append(AllocationRequest(r.id, Money(amount, r.amount.currency)))
        left -= amount
    if not asked:
        return None
    refs = ", ".join(r.reference for r in _open(named)[: len(asked)])
    return Proposal("reference", f"the payer named {refs}", tuple(asked))


def by_contract_number(receipt: Receipt, of_contracts: Sequence[Receivable]) -> Proposal | str:
    exact = [r for r in _open(of_contracts) if r.outstanding == receipt.unallocated]
    if len(exact) == 1:
        (r,) = exact
        return Proposal(
            "contract_number",
            f"the payer named contract {r.contract.contract_number}, and {r.reference} is "
            f"outstanding exactly {r.outstanding}",
            (AllocationRequest(r.id, r.outstanding),),
        )
    if exact:
        return (
            f"{len(exact)} receivables of the named contracts are outstanding {receipt.unallocated}"
        )
    if of_contracts:
        return f"no receivable of the named contracts is outstanding {receipt.unallocated}"
    return "the payer named no receivable and no contract"


def propose(
    receipt: Receipt, named: Sequence[Receivable], of_contracts: Sequence[Receivable]
) -> Proposal | str:
    """The first rule's proposal, or why no rule matched."""
    if receipt.unallocated.amount <= 0:
        return "nothing is left unallocated"
    return by_reference(receipt, named) or by_contract_number(receipt, of_contracts)
