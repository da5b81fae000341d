"""Use cases of reconciliation: finance allocates a receipt to receivables by hand, in
one transaction under the versions of the receipt and of every receivable, so that two
finance users (or a user and the matcher) acting at once never allocate one amount
twice: the later save conflicts and nothing of it is written."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from crm_runtime.errors import NotFound, check_version
from crm_runtime.principal import Principal

from payment.plans.domain.model import Receivable, ReceivableStatus
from payment.ports import Stores
from payment.receipts.domain import Receipt
from payment.reconciliation.domain import AllocationRequest, Match, allocate, settled_event
from payment.reconciliation.rules import MAX_TOKENS, Proposal, propose, tokens
from payment.session import ServiceApp

MANUAL = "manual"
SYSTEM = "system"


@dataclass(frozen=True)
class AutoMatch:
    receipt: Receipt
    rule: str  # "" when no rule matched
    reason: str  # the evidence of the match, or why nothing matched
    match: Match | None


class ReconciliationApp(ServiceApp):
    def match(
        self,
        principal: Principal,
        receipt_id: str,
        asked: Sequence[AllocationRequest],
        note: str,
        expected_version: int,
    ) -> Match:
        tenant, now = principal.tenant_id, self.clock()
        ids = [self.new_id() for _ in asked]

        def work(s: Stores) -> Match:
            receipt = s.receipts(tenant).get(receipt_id)
            if receipt is None:
                raise NotFound(f"receipt {receipt_id} not found")
            check_version(f"receipt {receipt_id}", receipt.version, expected_version)
            found: dict[str, Receivable] = {}
            for a in asked:
                r = s.receivables(tenant).get(a.receivable_id)
                if r is not None:
                    found[r.id] = r
            evidence = f"allocated by hand by {principal.user_id}" + (f": {note}" if note else "")
            return self._apply(
                s, tenant, receipt, found, asked, MANUAL, evidence, principal.user_id, ids, now
            )

        return self.storage.run(work)

    def _apply(
        self,
        s: Stores,
        tenant: str,
        receipt: Receipt,
        found: dict[str, Receivable],
        asked: Sequence[AllocationRequest],
        method: str,
        evidence: str,
        by: str,
        ids: Sequence[str],
        now: datetime,
    ) -> Match:
        """Allocate and save the receipt and each receivable over the versions read."""
        match = allocate(
            receipt,
            found,
            asked,
            method=method,
            evidence=evidence[:500],
            by=by,
            now=now,
            new_ids=ids,
        )
        s.receipts(tenant).save(match.receipt, receipt.version)
        saved = []
        paid_now = {r.id for r in match.receivables if r.status is ReceivableStatus.PAID}
        for after in match.receivables:
            after = self._with_plan_settled(s, tenant, after, paid_now, now)
            s.receivables(tenant).save(after, found[after.id].version)
            saved.append(after)
        return replace(match, receivables=tuple(saved))

    def _with_plan_settled(
        self, s: Stores, tenant: str, r: Receivable, paid_now: set[str], now: datetime
    ) -> Receivable:
        """A settled receivable's event says whether its whole plan is now paid."""
        if r.status is not ReceivableStatus.PAID or not r.events:
            return r
        plan = s.plans(tenant).get(r.plan_id)
        others = [x for x in (plan.receivables if plan else ()) if x.id != r.id]
        done = all(x.status is ReceivableStatus.PAID or x.id in paid_now for x in others)
        return replace(r, events=(settled_event(r, now, plan_settled=done),))

    def auto_match(
        self, principal: Principal, receipt_id: str, dry_run: bool, expected_version: int = 0
    ) -> AutoMatch:
        """The rules in order on one receipt; the first that finds something allocates
        (unless `dry_run`), with the rule and its evidence on each allocation."""
        tenant, now = principal.tenant_id, self.clock()

        def work(s: Stores) -> AutoMatch:
            receipt = s.receipts(tenant).get(receipt_id)
            if receipt is None:
                raise NotFound(f"receipt {receipt_id} not found")
            check_version(f"receipt {receipt_id}", receipt.version, expected_version)
            words = tokens(receipt)
            named = s.receivables(tenant).with_values("reference", words, MAX_TOKENS)
            of_contracts = s.receivables(tenant).with_values("contract_number", words, 200)
            found = propose(receipt, named, of_contracts)
            if not isinstance(found, Proposal):
                return AutoMatch(receipt, "", found, None)
            if dry_run:
                return AutoMatch(receipt, found.rule, found.evidence, None)
            receivables = {r.id: r for r in (*named, *of_contracts)}
            ids = [self.new_id() for _ in found.allocations]
            match = self._apply(
                s,
                tenant,
                receipt,
                receivables,
                found.allocations,
                found.rule,
                found.evidence,
                SYSTEM,
                ids,
                now,
            )
            return AutoMatch(match.receipt, found.rule, found.evidence, match)

        return self.storage.run(work)
