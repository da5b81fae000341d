"""Use cases of payment plans and their receivables: a plan set by hand (a contract
signed elsewhere), a plan from the contract service's ContractSigned (once per event and
once per contract version), reads within the caller's data scope, and a milestone
reached. Each write is one transaction with its events (the outbox)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any, TypeVar

from crm_runtime.errors import Conflict, FailedPrecondition, NotFound, check_version
from crm_runtime.paging import page_limit
from crm_runtime.principal import Principal

from payment.domain.visibility import can_see
from payment.indexes import NEWEST_FIRST
from payment.plans.domain.model import ContractRef, PaymentPlan, PlanSource, Receivable, Term
from payment.plans.domain.plans import create_plan, from_contract_signed, reach_milestone
from payment.plans.domain.receivables import dispute, refresh_status, resolve_dispute, write_off
from payment.plans.listing import ReceivableQuery, list_key, receivable_query
from payment.ports import Stores
from payment.session import ServiceApp

T = TypeVar("T")
SYSTEM = "system"
CONTRACT_SIGNED_HANDLER = "payment.plan_from_contract_signed"
CHECK_BATCH = 200


class PlanApp(ServiceApp):
    def _new_plan(
        self,
        tenant_id: str,
        contract: ContractRef,
        terms: Sequence[Term],
        source: PlanSource,
        by: str,
    ) -> PaymentPlan:
        return create_plan(
            plan_id=self.new_id(),
            receivable_ids=[self.new_id() for _ in terms],
            tenant_id=tenant_id,
            contract=contract,
            terms=terms,
            source=source,
            by=by,
            now=self.clock(),
        )

    def create(
        self, principal: Principal, contract: ContractRef, terms: Sequence[Term]
    ) -> PaymentPlan:
        """A plan set by hand; AlreadyExists (409) when the contract version has one."""
        plan = self._new_plan(
            principal.tenant_id, contract, terms, PlanSource.API, principal.user_id
        )

        def work(s: Stores) -> PaymentPlan:
            s.plans(principal.tenant_id).add(plan)
            return plan

        return self.storage.run(work)

    def on_contract_signed(self, envelope: dict[str, Any]) -> bool:
        """The plan of a signed contract from its payment terms, once per event; a
        contract version that has a plan already (set by hand first) keeps it. An
        amendment's terms are refused (dead-lettered, kept for replay) until amendments
        are built: replacing a plan must keep what was received against it."""
        tenant = envelope["tenant_id"]
        payload = envelope["payload"]
        if payload.get("is_amendment"):
            raise FailedPrecondition(
                f"contract {payload.get('contract_id')} version "
                f"{payload.get('document_version')} is an amendment: not handled yet"
            )
        contract, terms = from_contract_signed(payload)
        plan = self._new_plan(tenant, contract, terms, PlanSource.CONTRACT_SIGNED, SYSTEM)

        def effect(s: Stores) -> None:
            plans = s.plans(tenant)
            if plans.of_contract(contract.contract_id, contract.document_version) is None:
                plans.add(plan)

        return self.storage.handle_once(CONTRACT_SIGNED_HANDLER, envelope, effect)

    def get(self, principal: Principal, plan_id: str, contract_id: str = "") -> PaymentPlan:
        def work(s: Stores) -> PaymentPlan | None:
            plans = s.plans(principal.tenant_id)
            return plans.get(plan_id) if plan_id else plans.active_of(contract_id)

        plan = self.storage.run(work)
        if plan is None or not can_see(principal, plan.contract.owner_id, plan.contract.team_id):
            what = f"payment plan {plan_id}" if plan_id else f"plan of contract {contract_id}"
            raise NotFound(f"{what} not found")
        return plan

    def _visible_receivable(self, s: Stores, principal: Principal, rid: str) -> Receivable:
        found = s.receivables(principal.tenant_id).get(rid)
        if found is None or not can_see(principal, found.contract.owner_id, found.contract.team_id):
            raise NotFound(f"receivable {rid} not found")
        return found

    def get_receivable(self, principal: Principal, receivable_id: str) -> Receivable:
        return self.storage.run(lambda s: self._visible_receivable(s, principal, receivable_id))

    def _change(
        self,
        principal: Principal,
        receivable_id: str,
        expected_version: int,
        change: Callable[[Receivable, datetime], Receivable],
    ) -> Receivable:
        """Load a receivable the caller sees, check the version asked for, let the
        domain change it, save it over the version read: one transaction."""
        now = self.clock()

        def work(s: Stores) -> Receivable:
            current = self._visible_receivable(s, principal, receivable_id)
            check_version(f"receivable {receivable_id}", current.version, expected_version)
            after = change(current, now)
            s.receivables(principal.tenant_id).save(after, current.version)
            return after

        return self.storage.run(work)

    def reach_milestone(
        self, principal: Principal, receivable_id: str, reached: date, expected_version: int
    ) -> Receivable:
        return self._change(
            principal,
            receivable_id,
            expected_version,
            lambda r, now: reach_milestone(r, reached, principal.user_id, now),
        )

    def write_off(
        self, principal: Principal, receivable_id: str, reason: str, expected_version: int
    ) -> Receivable:
        return self._change(
            principal,
            receivable_id,
            expected_version,
            lambda r, now: write_off(r, reason, principal.user_id, now),
        )

    def dispute(
        self, principal: Principal, receivable_id: str, reason: str, expected_version: int
    ) -> Receivable:
        return self._change(
            principal,
            receivable_id,
            expected_version,
            lambda r, now: dispute(r, reason, principal.user_id, now),
        )

    def resolve_dispute(
        self, principal: Principal, receivable_id: str, expected_version: int
    ) -> Receivable:
        return self._change(
            principal,
            receivable_id,
            expected_version,
            lambda r, now: resolve_dispute(r, principal.user_id, now),
        )

    def run_calendar(self, limit: int = CHECK_BATCH) -> int:
        """Move the receivables whose day came (upcoming -> due -> overdue), each in its
        own transaction under its version: of two worker replicas taking the same one,
        the second's save conflicts and it moves on, so each move and its event happen
        once. Returns how many were moved."""
        now, moved = self.clock(), 0
        for tenant, receivable_id in self.storage.due_receivables(now, limit):

            def work(s: Stores, tenant: str = tenant, rid: str = receivable_id) -> bool:
                current = s.receivables(tenant).get(rid)
                if current is None:
                    return False
                after = refresh_status(current, now)
                if after is current:
                    return False
                s.receivables(tenant).save(after, current.version)
                return True

            try:
                moved += self.storage.run(work)
            except Conflict:
                continue  # another replica (or a person) wrote it first
        return moved

    def page_receivables(
        self, principal: Principal, q: ReceivableQuery, limit: int, cursor: str
    ) -> tuple[list[Receivable], str]:
        """Newest first, within the caller's scope; the next page's cursor ("" at the end)."""
        size, after = page_limit(limit), NEWEST_FIRST.decode(cursor)
        query = receivable_query(principal, q, self.clock())
        found = self.storage.run(
            lambda s: s.receivables(principal.tenant_id).page(
                query, list_key(query), size + 1, after
            )
        )
        more = len(found) > size
        last = found[size - 1] if more else None
        return found[:size], (
            NEWEST_FIRST.encode({"_id": last.id, "created_at": last.created_at}) if last else ""
        )
