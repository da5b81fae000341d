"""A conversion's record, and what retries, races and crashes meet (ADR 17).

The app stores a pending record (the plan with its ids) before it asks the lead service
to mark the lead converted; the lead service's mark is the moment the conversion
happens. The record is completed in the one transaction that writes the account,
contact and opportunity with their events, refused when the lead service says no (then
nothing else was written), or abandoned when a later request finds it stale and the lead
unmarked. One record per idempotency key; at most one pending or completed per lead.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from crm_runtime.errors import Conflict, FailedPrecondition, FieldViolation, ValidationFailed

from opportunity.conversion.domain.plan import (
    CONVERTED,
    ConversionPlan,
    LeadSnapshot,
    already_converted,
)

# A pending record older than this is stale: the mark it asked for has landed or never
# will. Longer than a call's deadline plus pymongo's 120 s of transaction retries in
# the lead service, so no mark can still be on its way.
LEASE = timedelta(minutes=5)


class ConversionState(StrEnum):
    PENDING = "pending"  # stored; the lead may or may not be marked yet
    COMPLETED = "completed"  # account, contact, opportunity written with their events
    REFUSED = "refused"  # the lead service would not mark the lead; nothing else written
    ABANDONED = "abandoned"  # stale, and the lead was found not marked with its ids


@dataclass(frozen=True)
class ConversionRecord:
    lead_id: str
    idempotency_key: str
    state: ConversionState
    started_at: datetime
    plan: ConversionPlan
    reason: str = ""  # why it was refused or abandoned

    @property
    def holds_lead(self) -> bool:
        """Pending and completed records claim their lead; no second one may."""
        return self.state in (ConversionState.PENDING, ConversionState.COMPLETED)


def start(plan: ConversionPlan, *, idempotency_key: str, now: datetime) -> ConversionRecord:
    return ConversionRecord(plan.lead_id, idempotency_key, ConversionState.PENDING, now, plan)


def _settle(
    record: ConversionRecord, to: ConversionState, reason: str, *allowed: ConversionState
) -> ConversionRecord:
    if record.state not in allowed:
        raise FailedPrecondition(
            f"cannot change the conversion of lead {record.lead_id} from {record.state} to {to}"
        )
    return replace(record, state=to, reason=reason)


def complete(record: ConversionRecord) -> ConversionRecord:
    """The lead is marked with the plan's ids: written together with the records. An
    abandoned record completes too when the lead turns out marked with its ids after all."""
    P, A = ConversionState.PENDING, ConversionState.ABANDONED
    return _settle(record, ConversionState.COMPLETED, "", P, A)


def refuse(record: ConversionRecord, reason: str) -> ConversionRecord:
    """The lead service refused the mark (disqualified, converted otherwise, merged)."""
    return _settle(record, ConversionState.REFUSED, reason, ConversionState.PENDING)


def abandon(record: ConversionRecord, reason: str) -> ConversionRecord:
    return _settle(record, ConversionState.ABANDONED, reason, ConversionState.PENDING)


def recovers(
    record: ConversionRecord, *, account_id: str, contact_id: str, opportunity_id: str
) -> bool:
    """Whether a LeadConverted event completes this record: the lead was marked with
    exactly its ids, and its records are not written yet (forward recovery)."""
    plan = record.plan
    marked = (account_id, contact_id, opportunity_id)
    open_ = record.state in (ConversionState.PENDING, ConversionState.ABANDONED)
    return open_ and (plan.account_id, plan.contact_id, plan.opportunity_id) == marked


class Step(StrEnum):
    START = "start"  # plan, store a pending record, mark the lead, complete
    RESUME = "resume"  # mark the lead with this record's ids again, then complete
    ANSWER = "answer"  # completed: answer from the stored plan's records
    TAKE_OVER = "take_over"  # settle the lead's stale record (see take_over), then decide again


def next_step(
    *,
    lead_id: str,
    by_key: ConversionRecord | None,
    by_lead: ConversionRecord | None,
    now: datetime,
    lease: timedelta = LEASE,
) -> Step:
    """What a ConvertLead request does, given the record under its idempotency key and
    the record holding its lead. Raises the 409s and a reused key's 422."""
    if by_key is not None:
        if by_key.lead_id != lead_id:
            rule = f"was used to convert lead {by_key.lead_id}; use a new key for another lead"
            raise ValidationFailed([FieldViolation("idempotency_key", rule)])
        if by_key.state is ConversionState.COMPLETED:
            return Step.ANSWER
        if by_key.state is not ConversionState.PENDING:
            raise FailedPrecondition(f"cannot convert lead {lead_id}: {by_key.reason}")
        return Step.RESUME
    if by_lead is None or not by_lead.holds_lead:
        return Step.START
    if by_lead.state is ConversionState.COMPLETED:
        raise already_converted(by_lead.plan).conflict()
    if now - by_lead.started_at < lease:
        raise Conflict(f"lead {lead_id} is being converted by another request; retry shortly")
    return Step.TAKE_OVER


def take_over(record: ConversionRecord, lead: LeadSnapshot) -> ConversionRecord | None:
    """A stale pending record settled by what the lead service says now (GetLead):
    None when the lead is marked with its ids (the app completes it, writing its
    records); refused when marked with others; abandoned when not marked at all."""
    plan = record.plan
    if lead.status != CONVERTED:
        return abandon(record, f"the lead was not marked converted within {LEASE}")
    if (lead.account_id, lead.contact_id, lead.opportunity_id) == (
        plan.account_id,
        plan.contact_id,
        plan.opportunity_id,
    ):
        return None
    return refuse(record, f"the lead was converted into account {lead.account_id}")


class AttemptTaken(Exception):
    """Another conversion attempt has this idempotency key or holds the lead."""


@dataclass(frozen=True)
class StoredConversion:
    """A record with what the completion needs beyond the plan: who converted (the
    records' creator, also when the worker completes it) and the pipeline version the
    deal starts in."""

    record: ConversionRecord
    converted_by: str
    team_id: str
    pipeline_version: int
