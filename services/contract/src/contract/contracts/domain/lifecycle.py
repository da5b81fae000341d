"""A contract's life after drafting: submit (the chain chosen by the policy), decisions
of its steps, out for signature, manual signing by both parties (active from its
effective date, with the instalments resolved to due dates for the payment plan),
completed or terminated with a reason. Every other move is refused naming the states it
is allowed from. Pure Python."""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any

from crm_runtime.errors import Conflict, FailedPrecondition, FieldViolation, ValidationFailed
from crm_runtime.principal import Principal

from contract.contracts.domain import approval
from contract.contracts.domain.approval import Rule
from contract.contracts.domain.contract import Contract, Signatory, Signature, with_event
from contract.contracts.domain.instalments import Instalment
from contract.domain.money import money_payload, text

SHA256 = re.compile(r"^[0-9a-f]{64}$")
PARTIES = ("customer", "supplier")
DECIDED = ("approved", "rejected", "cancelled")

# Each move, the states it starts from.
MOVES = {
    "submit": ("draft", "rejected"),
    "decide": ("pending_approval",),
    "send_for_signature": ("approved",),
    "sign": ("out_for_signature",),
    "complete": ("active",),
    "terminate": ("active", "out_for_signature", "approved"),
    "expire": ("active",),
}
CHINA = timezone(timedelta(hours=8))  # no daylight saving: a fixed offset is exact


def rfc3339(moment: datetime) -> str:
    """An instant as proto JSON writes a Timestamp: UTC, milliseconds, "Z"."""
    return (
        moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    )


def allowed(contract: Contract, move: str) -> None:
    starts = MOVES[move]
    if contract.status not in starts:
        raise FailedPrecondition(
            f"{contract.label} is {contract.status}: '{move.replace('_', ' ')}' is allowed only "
            f"from {' or '.join(starts)}"
        )


def _base(contract: Contract) -> dict[str, Any]:
    return {
        "contract_id": contract.id,
        "number": contract.number,
        "document_version": contract.document_version,
        "account_id": contract.account_id,
        "owner_id": contract.owner_id,
        "value": money_payload(contract.totals.value, contract.currency),
    }


def _next(contract: Contract, by: str, now: datetime, **changes: Any) -> Contract:
    return replace(
        contract, version=contract.version + 1, updated_by=by, updated_at=now, events=(), **changes
    )


def _requested(contract: Contract, now: datetime) -> Contract:
    step = next((s for s in contract.steps if s.status == "pending"), None)
    if step is None:
        return contract
    payload = {
        **{k: v for k, v in _base(contract).items()},
        "title": contract.content.title,
        "account_name": contract.account_name,
        "discount_percent": text(contract.totals.discount_percent),
        "step_id": step.id,
        "step_sequence": step.sequence,
        "approver_role": step.role,
        "rule": step.rule,
        "via_oa": False,
    }
    return with_event(contract, "ContractApprovalRequested", payload, now)


def submit(
    contract: Contract, policy: tuple[Rule, ...], by: str, now: datetime, new_id: Callable[[], str]
) -> Contract:
    allowed(contract, "submit")
    standard_edited = any(c.standard and c.edited for c in contract.content.clauses)
    steps = approval.chain(
        policy,
        contract.totals.value,
        contract.content.lines,
        contract.content.payment_terms,
        standard_edited,
        new_id,
    )
    submitted = _next(contract, by, now, status="pending_approval", steps=steps, submitted_by=by)
    payload = {
        **_base(submitted),
        "discount_percent": text(contract.totals.discount_percent),
        "approver_roles": [s.role for s in steps],
        "via_oa": False,
        "submitted_by": by,
    }
    return _requested(with_event(submitted, "ContractSubmitted", payload, now), now)


def decide(
    contract: Contract,
    step_id: str,
    approve: bool,
    comment: str,
    principal: Principal,
    now: datetime,
) -> Contract:
    decided = next((s for s in contract.steps if s.id == step_id and s.status in DECIDED), None)
    if decided is not None:  # the other of two deciders at once: 409, whatever came after
        raise Conflict(
            f"approval step {decided.sequence} ({decided.role}) is {decided.status} already"
        )
    allowed(contract, "decide")
    step_id = step_id or next((s.id for s in contract.steps if s.status == "pending"), "")
    steps, step = approval.decide(
        contract.steps,
        step_id,
        approve,
        comment,
        principal.user_id,
        principal.roles,
        contract.submitted_by,
        now,
    )
    by = principal.user_id
    if not approve:
        rejected = _next(contract, by, now, status="rejected", steps=steps)
        payload = {
            **_base(rejected),
            "step_id": step.id,
            "approver_role": step.role,
            "rejected_by": by,
            "reason": step.comment,
            "external_reference": "",
        }
        return with_event(rejected, "ContractRejected", payload, now)
    if all(s.status == "approved" for s in steps):
        done = _next(contract, by, now, status="approved", steps=steps)
        payload = {**_base(done), "last_approver_id": by, "approved_at": rfc3339(now)}
        return with_event(done, "ContractApproved", payload, now)
    return _requested(_next(contract, by, now, steps=steps), now)


def send_for_signature(contract: Contract, by: str, now: datetime) -> Contract:
    allowed(contract, "send_for_signature")
    return _next(contract, by, now, status="out_for_signature")


def due_date(term: Instalment, signed: date) -> str:
    """When an instalment falls due, from the signing date ("" on a milestone)."""
    if term.due_kind == "on_signing":
        return signed.isoformat()
    if term.due_kind == "days_after_signing":
        return (signed + timedelta(days=term.due_days)).isoformat()
    if term.due_kind == "end_of_month_plus":
        last = date(signed.year, signed.month, calendar.monthrange(signed.year, signed.month)[1])
        return (last + timedelta(days=term.due_days)).isoformat()
    return ""


def signature_problems(
    signatories: tuple[Signatory, ...], file_sha256: str
) -> list[FieldViolation]:
    found = []
    for i, s in enumerate(signatories):
        if s.party not in PARTIES:
            found.append(FieldViolation(f"signatories[{i}].party", "must be customer or supplier"))
        if not s.name.strip():
            found.append(FieldViolation(f"signatories[{i}].name", "is required: who signed"))
    missing = [p for p in PARTIES if p not in {s.party for s in signatories}]
    if missing:
        found.append(
            FieldViolation("signatories", f"both parties sign; missing: {', '.join(missing)}")
        )
    if not SHA256.match(file_sha256):
        found.append(
            FieldViolation("file_sha256", "must be the SHA-256 of the signed scan, 64 hex digits")
        )
    return found


def sign(contract: Contract, signature: Signature, now: datetime) -> Contract:
    """Both parties signed: the contract is active from its effective date (its start
    date, else the signing date); ContractSigned and ContractActivated carry the
    instalments exactly, with their due dates."""
    allowed(contract, "sign")
    found = signature_problems(signature.signatories, signature.file_sha256)
    if signature.signed_date > now.astimezone(CHINA).date():  # the paper is dated in China
        found.append(FieldViolation("signed_date", "must not be in the future"))
    if found:
        raise ValidationFailed(found)
    effective = contract.content.start_date or signature.signed_date
    active = _next(
        contract,
        signature.recorded_by,
        now,
        status="active",
        signature=signature,
        effective_date=effective,
    )
    signed = signature.signed_date
    terms = [
        {
            "sequence": t.sequence,
            "label": t.label,
            "amount": money_payload(t.amount or 0, contract.currency),  # type: ignore[arg-type]
            "due_date": due_date(t, signed),
        }
        for t in contract.content.payment_terms
    ]
    common = {
        **_base(active),
        "opportunity_id": contract.origin.opportunity_id,
        "account_name": contract.account_name,
        "team_id": contract.team_id,
        "signed_date": signed.isoformat(),
        "signed_at": rfc3339(now),
        "signature_method": signature.method,
        "start_date": effective.isoformat(),
        "end_date": contract.content.end_date.isoformat() if contract.content.end_date else "",
    }
    signed_event = {**common, "is_amendment": contract.document_version > 1, "payment_terms": terms}
    activated = {
        **common,
        "effective_date": effective.isoformat(),
        "currency": contract.currency,
        "instalments": [
            {
                **term,
                "percent": text(t.percent) if t.percent is not None else "",
                "due_kind": t.due_kind,
                "due_days": t.due_days,
                "milestone": t.milestone,
            }
            for term, t in zip(terms, contract.content.payment_terms, strict=True)
        ],
    }
    return with_event(
        with_event(active, "ContractSigned", signed_event, now), "ContractActivated", activated, now
    )


def complete(contract: Contract, by: str, now: datetime) -> Contract:
    allowed(contract, "complete")
    done = _next(contract, by, now, status="completed")
    return with_event(done, "ContractCompleted", {**_base(done), "completed_by": by}, now)


def terminate(contract: Contract, reason: str, by: str, now: datetime) -> Contract:
    allowed(contract, "terminate")
    if not reason.strip():
        raise ValidationFailed([FieldViolation("reason", "is required: why the contract ends")])
    ended = _next(contract, by, now, status="terminated", termination_reason=reason.strip())
    return with_event(
        ended,
        "ContractTerminated",
        {**_base(ended), "reason": reason.strip(), "terminated_by": by},
        now,
    )


def expires_at(contract: Contract) -> datetime | None:
    """When an active contract expires: the start of the day after its end date, China
    time; None when it has no end date or is not active."""
    end = contract.content.end_date
    if contract.status != "active" or end is None:
        return None
    return datetime.combine(end + timedelta(days=1), time(0), CHINA).astimezone(UTC)


def expire(contract: Contract, now: datetime) -> Contract:
    """Past its end date: expired, with ContractExpired."""
    allowed(contract, "expire")
    due = expires_at(contract)
    if due is None or now < due:
        raise FailedPrecondition(f"{contract.label} runs until {contract.content.end_date}")
    ended = _next(contract, "system", now, status="expired")
    payload = {**_base(ended), "end_date": day_text(contract.content.end_date)}
    return with_event(ended, "ContractExpired", payload, now)


def day_text(value: date | None) -> str:
    return value.isoformat() if value else ""
