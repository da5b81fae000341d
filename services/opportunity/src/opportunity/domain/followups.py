"""Follow-ups (跟进记录) on accounts and their deals: a call, visit, WeChat chat, email
or meeting, with notes and the next step. A follow-up is the activity that restarts a
deal's cadence and keeps its account from going dormant."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from crm_runtime.errors import FieldViolation, require

from opportunity.domain import account as accounts
from opportunity.domain.account import Account
from opportunity.domain.aggregate import revise, rfc3339
from opportunity.domain.cadence import record_activity
from opportunity.domain.opportunity import Opportunity
from opportunity.domain.text import clean_text

MAX_NOTES, MAX_NEXT_STEP = 4000, 500
NEXT_STEP_HORIZON = timedelta(days=365)


class FollowUpKind(StrEnum):
    CALL = "call"
    VISIT = "visit"
    WECHAT = "wechat"
    EMAIL = "email"
    MEETING = "meeting"


@dataclass(frozen=True)
class FollowUpDraft:
    kind: str
    account_id: str = ""
    opportunity_id: str = ""
    contact_id: str = ""
    notes: str = ""
    next_step: str = ""
    next_step_at: datetime | None = None


@dataclass(frozen=True)
class FollowUp:
    id: str
    account_id: str
    opportunity_id: str
    contact_id: str
    kind: FollowUpKind
    notes: str
    next_step: str
    next_step_at: datetime | None
    by_user_id: str
    at: datetime


def draft_problems(draft: FollowUpDraft, now: datetime) -> list[FieldViolation]:
    violations = []
    if draft.kind not in [k.value for k in FollowUpKind]:
        violations.append(FieldViolation("kind", f"must be one of {', '.join(FollowUpKind)}"))
    if not draft.account_id and not draft.opportunity_id:
        violations.append(FieldViolation("account_id", "is required unless opportunity_id is set"))
    notes = draft.notes.strip()
    if not notes:
        violations.append(FieldViolation("notes", "are required: say what happened"))
    elif len(notes) > MAX_NOTES:
        violations.append(FieldViolation("notes", f"must be at most {MAX_NOTES} characters"))
    if len(clean_text(draft.next_step)) > MAX_NEXT_STEP:
        violations.append(
            FieldViolation("next_step", f"must be at most {MAX_NEXT_STEP} characters")
        )
    when = draft.next_step_at
    if when is not None and when.tzinfo is None:
        violations.append(FieldViolation("next_step_at", "must carry a time zone"))
    elif when is not None and not now < when <= now + NEXT_STEP_HORIZON:
        violations.append(FieldViolation("next_step_at", "must be in the future, within a year"))
    return violations


def check_draft(draft: FollowUpDraft, now: datetime) -> None:
    require(draft_problems(draft, now))


def log_follow_up(
    draft: FollowUpDraft,
    account: Account,
    deal: Opportunity | None,
    *,
    follow_up_id: str,
    by: str,
    now: datetime,
) -> tuple[FollowUp, Account, Opportunity | None]:
    """The follow-up, its account active now (AccountFollowUpLogged), and its deal, if
    any, active now with the next step noted. The app resolved the account (the deal's
    own when a deal is named) and checked the contact belongs to it."""
    check_draft(draft, now)
    follow_up = FollowUp(
        id=follow_up_id,
        account_id=account.id,
        opportunity_id=deal.id if deal else "",
        contact_id=draft.contact_id,
        kind=FollowUpKind(draft.kind),
        notes=draft.notes.strip(),
        next_step=clean_text(draft.next_step),
        next_step_at=draft.next_step_at,
        by_user_id=by,
        at=now,
    )
    payload = {
        "follow_up_id": follow_up.id,
        "account_id": account.id,
        "opportunity_id": follow_up.opportunity_id,
        "kind": follow_up.kind.value,
        "owner_id": by,
        "at": rfc3339(now),
    }
    active = record_activity(account, now)
    active = revise(active, accounts.AGGREGATE, now, [("AccountFollowUpLogged", payload)])
    worked = None
    if deal is not None:
        next_step = follow_up.next_step or deal.next_step
        worked = replace(deal, last_activity_at=now, next_step=next_step, updated_at=now)
    return follow_up, active, worked
