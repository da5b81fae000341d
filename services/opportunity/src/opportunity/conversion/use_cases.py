"""Lead conversion (ADR 17): plan from the lead service's GetLead, store the pending
attempt and its claim on the lead, have the lead service mark the lead with the plan's
ids, then write account, contact and opportunity with their events and complete the
attempt in one transaction. Retries with the same key answer the same records; the
worker completes an attempt whose mark landed when this process did not get to
(completion.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from crm_runtime.clock import utcnow
from crm_runtime.errors import Conflict, FailedPrecondition, FieldViolation, ValidationFailed
from crm_runtime.principal import Principal

from opportunity.conversion.completion import (
    ConversionResult,
    complete,
    dry_run,
    settle,
    stored_result,
)
from opportunity.conversion.domain import records
from opportunity.conversion.domain.plan import (
    AlreadyConverted,
    ExistingAccount,
    LeadSnapshot,
    NewIds,
    Overrides,
    duplicate_check,
    plan_conversion,
)
from opportunity.conversion.domain.records import LEASE, AttemptTaken, Step, StoredConversion
from opportunity.domain import account as accounts
from opportunity.ports import OpportunityStorage
from opportunity.session import Session, check_request_key, in_session, new_id

ATTEMPTS = 5  # decisions per request: a lost race re-reads and decides again


class MarkRefused(Exception):
    """The lead service would not mark the lead (not qualified any more, converted with
    other links, merged, gone): nothing of the conversion may be written."""


class LeadUnreachable(Exception):
    """The lead service did not answer in time: whether it marked the lead is unknown."""


class Unavailable(Exception):
    """The lead service did not answer: the attempt stays pending; retry with the key."""


class LeadDirectory(Protocol):
    def get(self, principal: Principal, lead_id: str) -> LeadSnapshot: ...

    def mark(
        self,
        principal: Principal,
        lead_id: str,
        *,
        account_id: str,
        contact_id: str,
        opportunity_id: str,
        idempotency_key: str,
    ) -> LeadSnapshot: ...


@dataclass(frozen=True)
class ConversionRequest:
    lead_id: str
    idempotency_key: str = ""  # empty: a fresh one (not retry-safe; the claim still holds)
    account_id: str = ""  # attach to this account instead of the duplicate check
    overrides: Overrides = field(default_factory=Overrides)


class ConversionApp:
    def __init__(
        self,
        storage: OpportunityStorage,
        leads: LeadDirectory,
        clock: Callable[[], datetime] = utcnow,
        make_id: Callable[[], str] = new_id,
        lease: timedelta = LEASE,
    ) -> None:
        self.storage, self.leads, self.clock, self.new_id, self.lease = (
            storage,
            leads,
            clock,
            make_id,
            lease,
        )

    def _run(self, tenant_id: str, work: Callable[[Session], object]) -> object:
        return in_session(self.storage, tenant_id, self.clock, work)

    def convert(self, principal: Principal, request: ConversionRequest) -> ConversionResult:
        if not request.lead_id:
            raise ValidationFailed([FieldViolation("lead_id", "is required")])
        key = request.idempotency_key or self.new_id()
        check_request_key(key)
        for _ in range(ATTEMPTS):
            step, by_key, by_lead = self._decide(principal, request.lead_id, key)
            if step is Step.ANSWER and by_key is not None:
                return self._answer(principal, by_key)
            if step is Step.RESUME and by_key is not None:
                return self._resume(principal, by_key)
            if step is Step.TAKE_OVER and by_lead is not None:
                self._take_over(principal, by_lead)
                continue
            started = self._start(principal, request, key)
            if started is not None:
                return self._resume(principal, started)
        raise Conflict(f"lead {request.lead_id} is being converted by another request; retry")

    def _decide(
        self, principal: Principal, lead_id: str, key: str
    ) -> tuple[Step, StoredConversion | None, StoredConversion | None]:
        def work(s: Session) -> tuple[Step, StoredConversion | None, StoredConversion | None]:
            store = s.conversions
            by_key, by_lead = store.by_key(key), store.holding(lead_id)
            step = records.next_step(
                lead_id=lead_id,
                by_key=by_key.record if by_key else None,
                by_lead=by_lead.record if by_lead else None,
                now=self.clock(),
                lease=self.lease,
            )
            return step, by_key, by_lead

        return self._run(principal.tenant_id, work)  # type: ignore[return-value]

    def _start(
        self, principal: Principal, request: ConversionRequest, key: str
    ) -> StoredConversion | None:
        """Plan, dry-run every rule, store the pending attempt with its claim (and the
        new account's name and code). None when a concurrent request got there first."""
        try:
            lead = self.leads.get(principal, request.lead_id)
        except LeadUnreachable as exc:
            raise Unavailable(str(exc)) from exc
        ids = NewIds(self.new_id(), self.new_id(), self.new_id())
        now = self.clock()

        def work(s: Session) -> StoredConversion:
            requested, duplicates = None, []
            if request.account_id:
                found = s.referenced_account(principal, request.account_id)
                requested = ExistingAccount(found.id, found.name, found.owner_id)
            else:
                keys = accounts.check_keys(*duplicate_check(lead, request.overrides))
                duplicates = accounts.duplicates_of(keys, s.accounts.with_keys(keys))
            plan = plan_conversion(
                lead,
                ids=ids,
                converted_by=principal.user_id,
                overrides=request.overrides,
                requested_account=requested,
                duplicates=duplicates,
            )
            if isinstance(plan, AlreadyConverted):
                raise plan.conflict()
            plan, pipeline_version, claims = dry_run(s, principal, plan, now)
            stored = StoredConversion(
                records.start(plan, idempotency_key=key, now=now),
                principal.user_id,
                principal.team_id,
                pipeline_version,
            )
            s.conversions.add(stored)
            if claims:
                s.accounts.claim_keys(plan.account_id, claims, {})
            return stored

        try:
            return self._run(principal.tenant_id, work)  # type: ignore[return-value]
        except AttemptTaken:
            return None

    def _resume(self, principal: Principal, stored: StoredConversion) -> ConversionResult:
        plan = stored.record.plan
        try:
            self.leads.mark(
                principal,
                plan.lead_id,
                account_id=plan.account_id,
                contact_id=plan.contact_id,
                opportunity_id=plan.opportunity_id,
                idempotency_key=stored.record.idempotency_key,
            )
        except MarkRefused as exc:
            reason = str(exc)
            self._run(principal.tenant_id, lambda s: settle(s, stored, records.refuse, reason))
            raise FailedPrecondition(f"cannot convert lead {plan.lead_id}: {reason}") from exc
        except LeadUnreachable as exc:
            raise Unavailable(
                f"{exc}; the conversion of lead {plan.lead_id} is pending: "
                "retry with the same idempotency key"
            ) from exc
        self._run(principal.tenant_id, lambda s: complete(s, stored, self.clock()))
        return self._answer(principal, stored)

    def _answer(self, principal: Principal, stored: StoredConversion) -> ConversionResult:
        return self._run(  # type: ignore[return-value]
            principal.tenant_id, lambda s: stored_result(s, stored.record.plan)
        )

    def _take_over(self, principal: Principal, stale: StoredConversion) -> None:
        """Settle a stale attempt by what the lead says now; then the request decides again."""
        try:
            lead = self.leads.get(principal, stale.record.lead_id)
        except LeadUnreachable as exc:
            raise Unavailable(str(exc)) from exc
        settled = records.take_over(stale.record, lead)
        if settled is None:
            self._run(principal.tenant_id, lambda s: complete(s, stale, self.clock()))
            return
        reason = settled.reason
        move = (
            records.refuse if settled.state is records.ConversionState.REFUSED else records.abandon
        )
        self._run(principal.tenant_id, lambda s: settle(s, stale, move, reason))


class NoLeadService:
    """The directory of a process built without the lead service's address (workers,
    tests of other areas): every conversion is UNAVAILABLE, nothing is stored."""

    def get(self, principal: Principal, lead_id: str) -> LeadSnapshot:
        raise LeadUnreachable("this process has no client of the lead service")

    def mark(
        self,
        principal: Principal,
        lead_id: str,
        *,
        account_id: str,
        contact_id: str,
        opportunity_id: str,
        idempotency_key: str,
    ) -> LeadSnapshot:
        raise LeadUnreachable("this process has no client of the lead service")
