"""Duplicate leads: found on normal forms, then rejected, flagged or merged per tenant.

The store finds candidates with indexed exact look-ups on the normal forms (phone,
email, company key); it may over-fetch (e.g. by company key alone), since `find_matches`
checks every key again here. A merge never deletes: the merged lead stays with its
history and points at the survivor, and the survivor lists every lead merged into it,
so the history of the person is the union of both (DOMAIN.md: "never silently doubled",
and nothing silently lost either).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from crm_runtime.errors import AlreadyExists, FailedPrecondition

from lead.domain.custom_fields import merge_values
from lead.domain.lead import MAX_TAGS, Lead, LeadDraft, LeadStatus, revise
from lead.domain.normalise import (
    InvalidValue,
    company_key,
    normalise_email,
    normalise_phone,
    normalise_text,
)
from lead.domain.settings import DuplicatePolicy

PHONE, EMAIL, COMPANY = "phone", "email", "company"  # proto DuplicateMatch.matched_on
_FILLABLE = ("company", "phone", "email", "region", "industry", "product_line", "notes")


@dataclass(frozen=True)
class DedupKeys:
    """The normal forms a lead is matched on; "" where the lead has none."""

    phone: str = ""
    email: str = ""
    company_key: str = ""
    name: str = ""  # company matches need the same person's name too

    def matched_on(self, other: DedupKeys) -> tuple[str, ...]:
        on = []
        if self.phone and self.phone == other.phone:
            on.append(PHONE)
        if self.email and self.email == other.email:
            on.append(EMAIL)
        if (
            self.company_key
            and self.name
            and (self.company_key, self.name)
            == (
                other.company_key,
                other.name,
            )
        ):
            on.append(COMPANY)
        return tuple(on)


def _name_key(name: str) -> str:
    return normalise_text(name).casefold()


def _tried(normalise: Callable[[str], str], raw: str) -> str:
    if not raw.strip():
        return ""
    try:
        return normalise(raw)
    except InvalidValue:  # creating the lead reports it as a bad field
        return ""


def keys_of_draft(draft: LeadDraft) -> DedupKeys:
    """Normal forms of a draft; a value that cannot be normalised matches nothing."""
    return DedupKeys(
        phone=_tried(normalise_phone, draft.phone),
        email=_tried(normalise_email, draft.email),
        company_key=company_key(draft.company) if draft.company.strip() else "",
        name=_name_key(draft.name),
    )


def keys_of_lead(lead: Lead) -> DedupKeys:
    return DedupKeys(lead.phone, lead.email, lead.company_key, _name_key(lead.name))


@dataclass(frozen=True)
class Match:
    lead_id: str
    matched_on: tuple[str, ...]


class Outcome(StrEnum):
    CREATE = "create"  # no duplicate
    REJECT = "reject"
    FLAG = "flag"  # create it, marked duplicate_of the survivor, for someone to review
    MERGE = "merge"  # create it and merge it into the survivor at once


@dataclass(frozen=True)
class DedupDecision:
    outcome: Outcome
    matches: tuple[Match, ...] = ()

    @property
    def survivor_id(self) -> str:
        """The oldest matching lead: the one a duplicate is flagged against or merged into."""
        return self.matches[0].lead_id if self.matches else ""


def find_matches(keys: DedupKeys, candidates: Iterable[Lead]) -> tuple[Match, ...]:
    """Live candidates sharing a normal form with `keys`, oldest first, each once."""
    live = {lead.id: lead for lead in candidates if not lead.merged_into}
    matches = []
    for lead in sorted(live.values(), key=lambda lead: (lead.created_at, lead.id)):
        on = keys.matched_on(keys_of_lead(lead))
        if on:
            matches.append(Match(lead.id, on))
    return tuple(matches)


def decide(keys: DedupKeys, candidates: Iterable[Lead], policy: DuplicatePolicy) -> DedupDecision:
    """What to do with a new lead given the leads the store found for its keys."""
    matches = find_matches(keys, candidates)
    if not matches:
        return DedupDecision(Outcome.CREATE)
    return DedupDecision(Outcome(policy.value), matches)


def refuse_if_rejected(decision: DedupDecision) -> None:
    if decision.outcome is Outcome.REJECT:
        found = ", ".join(f"{m.lead_id} (same {'/'.join(m.matched_on)})" for m in decision.matches)
        raise AlreadyExists(f"the lead already exists: {found}")


def flag_duplicate(lead: Lead, decision: DedupDecision, *, now: datetime) -> Lead:
    """The new lead marked as a probable duplicate of the survivor, for review."""
    if decision.outcome is not Outcome.FLAG or lead.duplicate_of == decision.survivor_id:
        return lead
    payload = {"lead_id": lead.id, "changed_fields": ["duplicate_of"]}
    return revise(lead, now, [("LeadUpdated", payload)], duplicate_of=decision.survivor_id)


def merge(survivor: Lead, merged: Lead, *, by: str, now: datetime) -> tuple[Lead, Lead]:
    """Both leads after merging `merged` into `survivor` (LeadMerged, by whom).

    The survivor keeps its own values and owner and only gains what it lacked (contact
    details, tags, custom field values, the later follow-up); the merged lead keeps
    everything and points at the survivor. A converted lead is never merged away: it is
    linked to its customer.
    """
    if survivor.tenant_id != merged.tenant_id or survivor.id == merged.id:
        raise FailedPrecondition(f"cannot merge lead {merged.id} into lead {survivor.id}")
    for lead in (survivor, merged):
        if lead.merged_into:
            raise FailedPrecondition(
                f"lead {lead.id} was already merged into {lead.merged_into}; merge into that one"
            )
    if merged.status is LeadStatus.CONVERTED:
        raise FailedPrecondition(
            f"lead {merged.id} is converted; merge lead {survivor.id} into it instead"
        )
    filled: dict[str, object] = {
        name: getattr(merged, name)
        for name in _FILLABLE
        if not getattr(survivor, name) and getattr(merged, name)
    }
    if "company" in filled:
        filled["company_key"] = merged.company_key
    tags = tuple(dict.fromkeys((*survivor.tags, *merged.tags)))[:MAX_TAGS]
    if tags != survivor.tags:
        filled["tags"] = tags
    custom = merge_values(survivor.custom_fields, merged.custom_fields)
    if custom != survivor.custom_fields:
        filled["custom_fields"] = custom
    follow_ups = [t for t in (survivor.last_follow_up_at, merged.last_follow_up_at) if t]
    if follow_ups and max(follow_ups) != survivor.last_follow_up_at:
        filled["last_follow_up_at"] = max(follow_ups)
    events: list[tuple[str, dict[str, Any]]] = [
        ("LeadMerged", {"survivor_id": survivor.id, "merged_id": merged.id, "merged_by": by}),
    ]
    shown = [name for name in (*_FILLABLE, "tags", "custom_fields") if name in filled]
    if shown:
        events.append(("LeadUpdated", {"lead_id": survivor.id, "changed_fields": shown}))
    kept = revise(
        survivor,
        now,
        events,
        merged_ids=(*survivor.merged_ids, merged.id, *merged.merged_ids),
        **filled,
    )
    gone = revise(
        merged,
        now,
        [("LeadUpdated", {"lead_id": merged.id, "changed_fields": ["merged_into"]})],
        merged_into=survivor.id,
    )
    return kept, gone
