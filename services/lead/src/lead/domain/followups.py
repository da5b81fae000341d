"""Follow-ups (跟进记录): a logged call, visit, WeChat chat, email or meeting.

A follow-up is what keeps a lead alive: it satisfies the first-follow-up SLA, restarts
the cadence and the 30-day recycling clock, and moves a lead nobody had contacted to
contacted. Notes are required because they are how the company, not the rep, keeps
the customer when the rep leaves.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from crm_runtime.errors import FailedPrecondition, FieldViolation, require

from lead.domain.lead import Lead, LeadStatus, revise
from lead.domain.lifecycle import ensure_open, move
from lead.domain.normalise import normalise_text

MAX_NOTES = 2000
MAX_NEXT_STEP = 200
NEXT_STEP_HORIZON = timedelta(days=365)


class FollowUpKind(StrEnum):
    CALL = "call"
    VISIT = "visit"
    WECHAT = "wechat"
    EMAIL = "email"
    MEETING = "meeting"


@dataclass(frozen=True)
class FollowUpDraft:
    """What a rep submits; `kind` is a string so a bad one is reported, not crashed on."""

    kind: str
    notes: str = ""
    next_step: str = ""
    next_step_at: datetime | None = None


@dataclass(frozen=True)
class FollowUp:
    id: str
    lead_id: str
    kind: FollowUpKind
    notes: str
    next_step: str
    next_step_at: datetime | None
    by_user_id: str
    at: datetime


def _violations(draft: FollowUpDraft, now: datetime) -> list[FieldViolation]:
    violations = []
    if draft.kind not in [kind.value for kind in FollowUpKind]:
        kinds = ", ".join(FollowUpKind)
        violations.append(FieldViolation("kind", f"must be one of {kinds}"))
    notes = draft.notes.strip()
    if not notes:
        violations.append(FieldViolation("notes", "are required: say what happened"))
    elif len(notes) > MAX_NOTES:
        violations.append(FieldViolation("notes", f"must be at most {MAX_NOTES} characters"))
    if len(normalise_text(draft.next_step)) > MAX_NEXT_STEP:
        violations.append(
            FieldViolation("next_step", f"must be at most {MAX_NEXT_STEP} characters")
        )
    when = draft.next_step_at
    if when is not None:
        if when.tzinfo is None:
            violations.append(FieldViolation("next_step_at", "must carry a time zone"))
        elif when <= now:
            violations.append(FieldViolation("next_step_at", "must be in the future"))
        elif when > now + NEXT_STEP_HORIZON:
            violations.append(FieldViolation("next_step_at", "must be within a year"))
    elif draft.next_step.strip():
        violations.append(FieldViolation("next_step_at", "is required with a next step"))
    return violations


def log_follow_up(
    lead: Lead, draft: FollowUpDraft, *, follow_up_id: str, by: str, now: datetime
) -> tuple[Lead, FollowUp]:
    """The lead with the follow-up counted (LeadFollowUpLogged), and the follow-up itself.

    The lead must be open and owned: a pool lead is claimed before it is worked.
    """
    require(_violations(draft, now))
    ensure_open(lead, "log a follow-up on")
    if not lead.owner_id:
        raise FailedPrecondition(
            f"cannot log a follow-up on lead {lead.id}: it is in the public pool; claim it first"
        )
    follow_up = FollowUp(
        id=follow_up_id,
        lead_id=lead.id,
        kind=FollowUpKind(draft.kind),
        notes=draft.notes.strip(),
        next_step=normalise_text(draft.next_step),
        next_step_at=draft.next_step_at,
        by_user_id=by,
        at=now,
    )
    worked = lead
    if lead.status in (LeadStatus.NEW, LeadStatus.ASSIGNED):
        worked = move(lead, LeadStatus.CONTACTED, reason=f"first {draft.kind}", now=now)
    payload = {
        "lead_id": lead.id,
        "follow_up_id": follow_up_id,
        "kind": follow_up.kind.value,
        "owner_id": lead.owner_id,
    }
    logged = revise(worked, now, [("LeadFollowUpLogged", payload)], last_follow_up_at=now)
    return logged, follow_up
