"""The lead aggregate: what a lead is, the rules it is created under, and the events it
records. Pure Python; the store persists it and the app layer commits it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from crm_runtime.errors import FieldViolation, require
from crm_runtime.messaging.events import DomainEvent

from lead.domain.channels import (
    MAX_DETAIL_LENGTH,
    SOURCES,
    channel_tag,
    is_channel_tag,
    is_source,
)
from lead.domain.custom_fields import CustomFieldSchema, CustomValue, check_values
from lead.domain.normalise import (
    InvalidValue,
    company_key,
    normalise_email,
    normalise_phone,
    normalise_text,
)

MAX_LENGTH = {
    "name": 100,
    "company": 200,
    "region": 100,
    "industry": 100,
    "product_line": 100,
    "notes": 2000,
    "owner_id": 64,
}
MAX_TAGS = 20
MAX_TAG_LENGTH = 50


class LeadStatus(StrEnum):
    NEW = "new"
    ASSIGNED = "assigned"
    CONTACTED = "contacted"
    QUALIFIED = "qualified"
    DISQUALIFIED = "disqualified"
    CONVERTED = "converted"


@dataclass(frozen=True)
class LeadDraft:
    """What a caller submits to create a lead, before any rule is applied."""

    name: str = ""
    company: str = ""
    phone: str = ""
    email: str = ""
    source: str = ""
    owner_id: str = ""
    region: str = ""
    industry: str = ""
    product_line: str = ""
    tags: tuple[str, ...] = ()
    notes: str = ""
    channel_detail: str = ""  # which trade show, platform, referrer, form (channels.py)
    custom_fields: tuple[CustomValue, ...] = ()  # as sent; typed by the tenant's schema


@dataclass(frozen=True)
class ScoreReason:
    """One rule's share of a lead's score, so a manager can see why a lead is hot."""

    rule: str
    points: int
    explanation: str


@dataclass(frozen=True)
class PoolRelease:
    """A rep let this lead fall back to the pool at `at`; the cool-down counts from it."""

    rep_id: str
    at: datetime


@dataclass
class Lead:
    id: str
    tenant_id: str
    name: str
    source: str
    status: LeadStatus
    created_by: str
    created_at: datetime
    updated_at: datetime
    company: str = ""
    company_key: str = ""
    phone: str = ""
    email: str = ""
    owner_id: str = ""
    owner_team_id: str = ""
    region: str = ""
    industry: str = ""
    product_line: str = ""
    tags: tuple[str, ...] = ()
    notes: str = ""
    score: int = 0
    version: int = 1
    score_band: str = ""
    score_reasons: tuple[ScoreReason, ...] = ()
    # How the current owner got the lead ("manual", "claim", a rule's name; "pool" while
    # unowned) and why, in words: the answer to "why did this lead go to Li Wei?".
    assignment_rule: str = ""
    assignment_reason: str = ""
    owned_since: datetime | None = None  # SLA and recycling count from here, any path
    last_follow_up_at: datetime | None = None
    disqualify_reason: str = ""
    duplicate_of: str = ""  # flagged for review as a duplicate of that lead
    merged_into: str = ""  # merged away: kept for its history, no longer worked
    merged_ids: tuple[str, ...] = ()  # leads merged into this one, whose history it keeps
    pool_releases: tuple[PoolRelease, ...] = ()  # recent ones, for the cool-down
    sla_sent: tuple[str, ...] = ()  # keys of SLA alerts already raised for this owner
    account_id: str = ""
    contact_id: str = ""
    opportunity_id: str = ""
    channel_detail: str = ""
    custom_fields: tuple[CustomValue, ...] = ()  # typed, in the tenant's field order
    events: list[DomainEvent] = field(default_factory=list, repr=False, compare=False)


def rfc3339(moment: datetime) -> str:
    """UTC with a trailing Z: the form event payloads carry proto Timestamps in."""
    if moment.tzinfo is None:
        raise ValueError("a naive datetime has no place in an event")
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def revise(
    lead: Lead,
    now: datetime,
    events: Iterable[tuple[str, dict[str, Any]]] = (),
    **changes: Any,
) -> Lead:
    """A copy of `lead` with `changes` applied and `events` recorded; `lead` is untouched.

    The version belongs to the store, which bumps it by one per save. Every event
    recorded before that save is stamped with the version the save will write, so a
    use case may chain several decisions and their events still agree.
    """
    stamp = lead.events[-1].aggregate_version if lead.events else lead.version + 1
    recorded = list(lead.events)
    for event_type, payload in events:
        recorded.append(
            DomainEvent(
                event_type=event_type,
                tenant_id=lead.tenant_id,
                aggregate_type="lead",
                aggregate_id=lead.id,
                aggregate_version=stamp,
                occurred_at=now,
                payload=payload,
            )
        )
    return replace(lead, updated_at=now, events=recorded, **changes)


def _clean(draft: LeadDraft) -> tuple[dict[str, str], list[FieldViolation]]:
    violations: list[FieldViolation] = []
    clean: dict[str, str] = {}
    for name, limit in {**MAX_LENGTH, "channel_detail": MAX_DETAIL_LENGTH}.items():
        value = normalise_text(getattr(draft, name))
        if len(value) > limit:
            violations.append(FieldViolation(name, f"must be at most {limit} characters"))
        clean[name] = value
    if not clean["name"]:
        violations.append(FieldViolation("name", "is required"))
    if draft.phone.strip():
        try:
            clean["phone"] = normalise_phone(draft.phone)
        except InvalidValue as exc:
            violations.append(FieldViolation("phone", str(exc)))
    if draft.email.strip():
        try:
            clean["email"] = normalise_email(draft.email)
        except InvalidValue as exc:
            violations.append(FieldViolation("email", str(exc)))
    if not is_source(draft.source):
        violations.append(FieldViolation("source", f"must be one of {', '.join(SOURCES)}"))
    tags = [t for t in draft.tags if not is_channel_tag(t.strip())]  # derived, not given
    if len(tags) > MAX_TAGS:
        violations.append(FieldViolation("tags", f"at most {MAX_TAGS} tags"))
    for i, tag in enumerate(draft.tags):
        if is_channel_tag(tag.strip()):
            continue
        if not tag.strip() or len(tag) > MAX_TAG_LENGTH:
            violations.append(
                FieldViolation(f"tags[{i}]", f"must be 1 to {MAX_TAG_LENGTH} characters")
            )
    return clean, violations


def create_lead(
    draft: LeadDraft,
    *,
    lead_id: str,
    tenant_id: str,
    created_by: str,
    now: datetime,
    schema: CustomFieldSchema | None = None,
) -> Lead:
    """A new lead from a draft, or ValidationFailed naming every bad field.

    Custom values are checked against the tenant's `schema` (custom_fields.py). Without
    one they are taken as they are: only for re-deriving a stored lead, whose values
    were checked when written.
    """
    clean, violations = _clean(draft)
    custom = draft.custom_fields
    if schema is not None:
        custom, custom_violations = check_values(draft.custom_fields, schema)
        violations += custom_violations
    require(violations)
    tags = tuple(dict.fromkeys(t.strip() for t in draft.tags if not is_channel_tag(t.strip())))
    detail_tag = channel_tag(draft.source, clean["channel_detail"])
    if detail_tag:
        tags = (*tags, detail_tag)
    lead = Lead(
        id=lead_id,
        tenant_id=tenant_id,
        name=clean["name"],
        company=clean["company"],
        company_key=company_key(clean["company"]) if clean["company"] else "",
        phone=clean.get("phone", ""),
        email=clean.get("email", ""),
        source=draft.source,
        owner_id="",  # ownership is decided next: the draft's owner, a rule, or the pool
        status=LeadStatus.NEW,
        region=clean["region"],
        industry=clean["industry"],
        product_line=clean["product_line"],
        tags=tags,
        notes=clean["notes"],
        channel_detail=clean["channel_detail"],
        custom_fields=custom,
        created_by=created_by,
        created_at=now,
        updated_at=now,
    )
    lead.events.append(
        DomainEvent(
            event_type="LeadCreated",
            tenant_id=tenant_id,
            aggregate_type="lead",
            aggregate_id=lead.id,
            aggregate_version=lead.version,
            occurred_at=now,
            payload={
                "lead_id": lead.id,
                "name": lead.name,
                "company": lead.company,
                "source": lead.source,
                "owner_id": lead.owner_id,
                "created_by": created_by,
                "score": lead.score,
                "region": lead.region,
                "industry": lead.industry,
            },
        )
    )
    return lead
