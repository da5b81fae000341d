"""The transactions of a lead conversion (ADR 17), each inside one Session: the dry run
of every rule before the attempt is stored, the completion that writes the account,
contact and opportunity with their events and completes the attempt, settling an
attempt as refused or abandoned, the answer from the stored plan, and the worker's
forward recovery from a LeadConverted event. The request path (use_cases.py) and
the worker run the very same completion."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from crm_runtime.clock import utcnow
from crm_runtime.errors import Conflict, FailedPrecondition, FieldViolation, ValidationFailed
from crm_runtime.principal import Principal

from opportunity.accounts.use_cases import ContactApp
from opportunity.conversion.domain import records
from opportunity.conversion.domain.plan import ConversionPlan, nested
from opportunity.conversion.domain.records import (
    ConversionRecord,
    ConversionState,
    StoredConversion,
)
from opportunity.domain import account as accounts
from opportunity.domain.account import Account, create_account
from opportunity.domain.contact import Contact, add_contact
from opportunity.domain.gates import gate_problems
from opportunity.domain.opportunity import Opportunity, OpportunityDraft, create_opportunity
from opportunity.domain.pipeline import Pipeline
from opportunity.ports import OpportunityStorage, Stores
from opportunity.session import Session, own_team


@dataclass(frozen=True)
class ConversionResult:
    account: Account
    contact: Contact
    opportunity: Opportunity
    account_created: bool


@dataclass(frozen=True)
class _Made:
    account: Account
    contact: Contact
    opportunity: Opportunity


def account_keys(plan: ConversionPlan) -> dict[str, str]:
    """The name and credit code the new account will hold (none when attaching)."""
    if plan.account is None:
        return {}
    return accounts.check_keys(plan.account.name, plan.account.unified_social_credit_code)


def _make(
    s: Session,
    plan: ConversionPlan,
    pipeline: Pipeline,
    *,
    by: str,
    team_id: str,
    now: datetime,
    violations: list[FieldViolation] | None = None,
) -> _Made | None:
    """The three records of a plan, built (not saved). With `violations`, each rule
    broken is collected under the request's field names (the dry run); without, the
    first raises."""

    def attempt(prefix: str, build: Callable[[], object]) -> object | None:
        try:
            return build()
        except ValidationFailed as exc:
            if violations is None:
                raise
            violations.extend(nested(prefix, exc))
            return None

    if plan.account is not None:
        draft = plan.account
        account = attempt(
            "account",
            lambda: create_account(
                draft,
                account_id=plan.account_id,
                tenant_id=s.tenant_id,
                created_by=by,
                now=now,
                source_lead_id=plan.lead_id,
                source=plan.source,
            ),
        )
    else:
        account = s.accounts.get(plan.account_id)
        if account is None:
            raise FailedPrecondition(f"account {plan.account_id} of the conversion is gone")
    owner, team = (account.owner_id, account.team_id) if isinstance(account, Account) else ("", "")
    contact = attempt(
        "contact",
        lambda: add_contact(
            plan.contact,
            contact_id=plan.contact_id,
            tenant_id=s.tenant_id,
            account_owner_id=owner,
            account_team_id=team,
            added_by=by,
            now=now,
            source_lead_id=plan.lead_id,
        ),
    )
    o = plan.opportunity
    deal_draft = OpportunityDraft(
        name=o.name,
        account_id=plan.account_id,
        primary_contact_id=plan.contact_id,
        owner_id=o.owner_id,
        team_id=team_id if o.owner_id == by else "",
        pipeline_id=pipeline.id,
        amount=o.amount,
        expected_close_date=o.expected_close_date,
        description=o.description,
        tags=o.tags,
        custom_fields=o.custom_fields,
        source=o.source,
    )
    first = pipeline.open_stages[0]
    deal = attempt(
        "opportunity",
        lambda: create_opportunity(
            deal_draft,
            opportunity_id=plan.opportunity_id,
            tenant_id=s.tenant_id,
            account_name=account.name if isinstance(account, Account) else "",
            pipeline_id=pipeline.id,
            pipeline_version=pipeline.version,
            first_stage=first.key,
            probability=first.win_probability,
            created_by=by,
            now=now,
            source_lead_id=plan.lead_id,
        ),
    )
    if isinstance(deal, Opportunity):
        problems = gate_problems(deal, first)
        if problems and violations is None:
            raise ValidationFailed(problems)
        if problems and violations is not None:
            violations.extend(nested("opportunity", ValidationFailed(problems)))
    if isinstance(account, Account) and isinstance(contact, Contact):
        return _Made(account, contact, deal) if isinstance(deal, Opportunity) else None
    return None


def dry_run(
    s: Session, principal: Principal, plan: ConversionPlan, now: datetime
) -> tuple[ConversionPlan, int, dict[str, str]]:
    """The plan with its pipeline resolved (the default one when none is named), that
    pipeline's version, and the account keys to claim; ValidationFailed naming every
    account.*, contact.* and opportunity.* rule the records would break, so that the
    completion cannot fail on a business rule once the lead is marked."""
    wanted = plan.opportunity.pipeline_id
    pipeline = s.config.latest(wanted) if wanted else s.config.default()
    if pipeline is None or not pipeline.active:
        raise ValidationFailed(
            [FieldViolation("opportunity.pipeline_id", "names no active pipeline of this tenant")]
        )
    plan = replace(plan, opportunity=replace(plan.opportunity, pipeline_id=pipeline.id))
    if plan.account is not None:
        owner = plan.account.owner_id
        team = own_team(principal, owner, plan.account.team_id)
        plan = replace(plan, account=replace(plan.account, team_id=team))
    violations: list[FieldViolation] = []
    team_id = principal.team_id
    _make(s, plan, pipeline, by=principal.user_id, team_id=team_id, now=now, violations=violations)
    if violations:
        raise ValidationFailed(violations)
    return plan, pipeline.version, account_keys(plan)


def complete(s: Session, stored: StoredConversion, now: datetime) -> ConversionResult | None:
    """Write the plan's records with their events and complete the attempt; None when
    another path (a retry, the worker) completed it already."""
    store = s.conversions
    current = store.by_key(stored.record.idempotency_key)
    if current is None or current.record.state is ConversionState.COMPLETED:
        return None
    done = records.complete(current.record)
    plan = current.record.plan
    pipeline = s.config.version(plan.opportunity.pipeline_id, current.pipeline_version)
    if pipeline is None:
        raise FailedPrecondition(f"pipeline {plan.opportunity.pipeline_id} is gone")
    made = _make(s, plan, pipeline, by=current.converted_by, team_id=current.team_id, now=now)
    assert made is not None  # without `violations`, _make raises instead
    if plan.account is not None:
        if current.record.state is ConversionState.ABANDONED:
            s.accounts.claim_keys(plan.account_id, account_keys(plan), {})
        s.add_account(made.account)
    else:
        s.note_activity(made.account, now)
    ContactApp._relations(s, made.contact, current.converted_by)
    s.contacts.add(made.contact)
    opportunity = s.add_deal(made.opportunity)
    if not store.settle(current.record, done):
        raise Conflict(f"the conversion of lead {plan.lead_id} was settled meanwhile")
    return ConversionResult(made.account, made.contact, opportunity, plan.account_created)


def settle(
    s: Session,
    stored: StoredConversion,
    move: Callable[[ConversionRecord, str], ConversionRecord],
    reason: str,
) -> None:
    """Refuse or abandon an attempt still in the state it was read in, releasing its
    claim on the lead and on the new account's name and code."""
    store = s.conversions
    current = store.by_key(stored.record.idempotency_key)
    if current is None or current.record.state is not stored.record.state:
        return
    if store.settle(current.record, move(current.record, reason)):
        plan = current.record.plan
        if plan.account is not None:
            s.accounts.claim_keys(plan.account_id, {}, account_keys(plan))


def stored_result(s: Session, plan: ConversionPlan) -> ConversionResult:
    account = s.accounts.get(plan.account_id)
    contact = s.contacts.get(plan.contact_id)
    opportunity = s.deals.get(plan.opportunity_id)
    if account is None or contact is None or opportunity is None:
        raise Conflict(f"the conversion of lead {plan.lead_id} is being completed; retry")
    return ConversionResult(account, contact, opportunity, plan.account_created)


def recover(
    s: Session,
    lead_id: str,
    *,
    account_id: str,
    contact_id: str,
    opportunity_id: str,
    now: datetime,
) -> bool:
    """Forward recovery from the lead's LeadConverted: complete the attempt whose ids
    the lead was marked with, if its records are not written yet."""
    store = s.conversions
    for stored in store.of_lead(lead_id):
        marked = {"account_id": account_id, "contact_id": contact_id}
        if records.recovers(stored.record, opportunity_id=opportunity_id, **marked):
            return complete(s, stored, now) is not None
    return False


class ConversionRecovery:
    """The worker's side (ADR 17): LeadConverted completes the attempt the lead was
    marked for, once per event (the inbox), from the plan in our own store. No gRPC."""

    HANDLER = "opportunity.complete_conversion"

    def __init__(self, storage: OpportunityStorage, clock: Callable[[], datetime] = utcnow) -> None:
        self.storage = storage
        self.clock = clock

    def on_lead_converted(self, envelope: dict[str, Any]) -> bool:
        p = envelope["payload"]

        def effect(stores: Stores) -> None:
            s = Session(stores, envelope["tenant_id"], self.clock)
            recover(
                s,
                p["lead_id"],
                account_id=p["account_id"],
                contact_id=p["contact_id"],
                opportunity_id=p["opportunity_id"],
                now=self.clock(),
            )

        return self.storage.handle_once(self.HANDLER, envelope, effect)
