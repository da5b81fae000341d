"""The opportunity (商机) aggregate: a potential deal with an amount, an account, an
owner and team, a stage of the pipeline version it was created in, products, and the
artefacts its stage gates ask for. Stage moves, closing and reopening are in
`stages.py` and `closing.py`; this module creates and edits."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from crm_runtime.errors import FailedPrecondition, FieldViolation, require
from crm_runtime.messaging.events import DomainEvent

from opportunity.domain import fields as rules
from opportunity.domain.aggregate import event, parse_date, revise
from opportunity.domain.fields import CustomField
from opportunity.domain.history import StageChange
from opportunity.domain.line_items import LineItem, LineItemDraft, line_items
from opportunity.domain.money import Money, money_payload, money_problems
from opportunity.domain.text import clean_text

AGGREGATE = "opportunity"
LIMITS = {"name": 200, "description": 4000, "source": 32, "next_step": 500}
FORECAST_CATEGORIES = ("pipeline", "best_case", "commit", "omitted")
CLOSED_FORECAST = "closed"
MAX_COMPETITORS, MAX_CONTACTS, MAX_ARTEFACTS = 20, 50, 100
EDITABLE = (
    "name",
    "primary_contact_id",
    "contact_ids",
    "owner_id",
    "team_id",
    "amount",
    "expected_close_date",
    "description",
    "tags",
    "custom_fields",
    "source",
    "line_items",
    "forecast_category",
    "competitors",
    "next_step",
)
FROZEN_WHEN_CLOSED = ("amount", "expected_close_date", "line_items")


class Status(StrEnum):
    OPEN = "open"
    WON = "won"
    LOST = "lost"


@dataclass(frozen=True)
class ArtefactDraft:
    kind: str
    name: str = ""
    file_uri: str = ""


@dataclass(frozen=True)
class Artefact:
    """A document or proof on the deal, e.g. the customer-signed requirements."""

    id: str
    kind: str
    name: str
    file_uri: str
    stage: str  # the stage it was supplied for
    uploaded_by: str
    uploaded_at: datetime


@dataclass(frozen=True)
class OpportunityDraft:
    name: str = ""
    account_id: str = ""
    primary_contact_id: str = ""
    owner_id: str = ""
    team_id: str = ""
    pipeline_id: str = ""
    amount: Money | None = None
    expected_close_date: str = ""
    description: str = ""
    tags: tuple[str, ...] = ()
    custom_fields: tuple[CustomField, ...] = ()
    source: str = ""
    contact_ids: tuple[str, ...] = ()
    line_items: tuple[LineItemDraft, ...] = ()
    forecast_category: str = ""
    competitors: tuple[str, ...] = ()
    next_step: str = ""


@dataclass
class Opportunity:
    id: str
    tenant_id: str
    name: str
    account_id: str
    owner_id: str
    pipeline_id: str
    pipeline_version: int
    stage: str
    stage_entered_at: datetime
    probability: int
    created_by: str
    created_at: datetime
    updated_at: datetime
    status: Status = Status.OPEN
    account_name: str = ""
    team_id: str = ""
    primary_contact_id: str = ""
    contact_ids: tuple[str, ...] = ()
    amount: Money | None = None
    expected_close_date: str = ""
    closed_date: str = ""
    closed_from_stage: str = ""
    won_quote_id: str = ""
    loss_reason: str = ""
    competitor: str = ""
    competitors: tuple[str, ...] = ()
    pending_approval_id: str = ""
    source_lead_id: str = ""
    source: str = ""
    description: str = ""
    next_step: str = ""
    forecast_category: str = "pipeline"
    tags: tuple[str, ...] = ()
    artefacts: tuple[Artefact, ...] = ()
    custom_fields: tuple[CustomField, ...] = ()
    line_items: tuple[LineItem, ...] = ()
    last_activity_at: datetime | None = None
    next_follow_up_due_at: datetime | None = None
    cadence_reminded_at: datetime | None = None  # due instant of the last reminder raised
    version: int = 1
    events: list[DomainEvent] = field(default_factory=list, repr=False, compare=False)
    history: list[StageChange] = field(default_factory=list, repr=False, compare=False)

    @property
    def is_open(self) -> bool:
        return self.status is Status.OPEN

    def artefact_kinds(self) -> set[str]:
        return {a.kind for a in self.artefacts}


def _clean(draft: OpportunityDraft) -> dict[str, Any]:
    violations: list[FieldViolation] = []
    clean: dict[str, Any] = rules.texts({n: getattr(draft, n) for n in LIMITS}, LIMITS, violations)
    if not clean["name"]:
        violations.append(FieldViolation("name", "is required"))
    if not draft.account_id:
        violations.append(FieldViolation("account_id", "is required"))
    for name in ("account_id", "primary_contact_id", "owner_id", "team_id", "pipeline_id"):
        rules.check_id(name, getattr(draft, name), violations)
        clean[name] = getattr(draft, name)
    if len(draft.contact_ids) > MAX_CONTACTS:
        violations.append(FieldViolation("contact_ids", f"at most {MAX_CONTACTS}"))
    for i, contact_id in enumerate(draft.contact_ids):
        rules.check_id(f"contact_ids[{i}]", contact_id, violations)
    contacts = [draft.primary_contact_id] if draft.primary_contact_id else []
    clean["contact_ids"] = tuple(dict.fromkeys([*contacts, *draft.contact_ids]))
    if draft.amount is not None:
        violations += money_problems("amount", draft.amount)
    clean["amount"] = draft.amount
    if draft.expected_close_date and parse_date(draft.expected_close_date) is None:
        violations.append(FieldViolation("expected_close_date", "must be a date YYYY-MM-DD"))
    clean["expected_close_date"] = draft.expected_close_date
    clean["tags"] = rules.tags(draft.tags, violations)
    clean["custom_fields"] = rules.custom_fields(draft.custom_fields, violations)
    clean["line_items"] = line_items(draft.line_items, violations)
    currencies = {item.unit_price.currency for item in clean["line_items"]}
    if draft.amount is not None:
        currencies.add(draft.amount.currency)
    if len(currencies) > 1:
        violations.append(
            FieldViolation(
                "line_items",
                f"prices and amount share one currency, got {', '.join(sorted(currencies))}",
            )
        )
    if draft.forecast_category and draft.forecast_category not in FORECAST_CATEGORIES:
        violations.append(
            FieldViolation("forecast_category", f"one of {', '.join(FORECAST_CATEGORIES)}")
        )
    clean["forecast_category"] = draft.forecast_category or "pipeline"
    clean["competitors"] = rules.tags(draft.competitors, violations, "competitors")
    require(violations)
    return clean


def created_payload(opp: Opportunity) -> dict[str, Any]:
    return {
        "opportunity_id": opp.id,
        "name": opp.name,
        "account_id": opp.account_id,
        "owner_id": opp.owner_id,
        "team_id": opp.team_id,
        "pipeline_id": opp.pipeline_id,
        "pipeline_version": opp.pipeline_version,
        "stage": opp.stage,
        "probability": opp.probability,
        "amount": money_payload(opp.amount),
        "expected_close_date": opp.expected_close_date,
        "source_lead_id": opp.source_lead_id,
        "source": opp.source,
        "created_by": opp.created_by,
    }


def create_opportunity(
    draft: OpportunityDraft,
    *,
    opportunity_id: str,
    tenant_id: str,
    account_name: str,
    pipeline_id: str,
    pipeline_version: int,
    first_stage: str,
    probability: int,
    created_by: str,
    now: datetime,
    source_lead_id: str = "",
) -> Opportunity:
    """A new open deal at the pipeline's first stage (the app checked the account, the
    contacts and the first stage's gate), or ValidationFailed naming every bad field."""
    clean = _clean(draft)
    clean.update(pipeline_id=pipeline_id, owner_id=clean["owner_id"] or created_by)
    opp = Opportunity(
        id=opportunity_id,
        tenant_id=tenant_id,
        account_name=account_name,
        pipeline_version=pipeline_version,
        stage=first_stage,
        stage_entered_at=now,
        probability=probability,
        created_by=created_by,
        created_at=now,
        updated_at=now,
        source_lead_id=source_lead_id,
        last_activity_at=now,
        **clean,
    )
    opp.events.append(
        event(opp, AGGREGATE, "OpportunityCreated", created_payload(opp), now, new=True)
    )
    opp.history.append(
        StageChange(
            opportunity_id=opp.id,
            seq=opp.version,
            from_stage="",
            to_stage=first_stage,
            probability=probability,
            amount=opp.amount,
            actor_id=created_by,
            at=now,
            dwell_seconds=0,
            note="created",
        )
    )
    return opp


def draft_of(opp: Opportunity) -> OpportunityDraft:
    values = {
        f.name: getattr(opp, f.name) for f in fields(OpportunityDraft) if f.name != "line_items"
    }
    lines = tuple(
        LineItemDraft(i.product_code, i.name, f"{i.quantity:f}", i.unit_price)
        for i in opp.line_items
    )
    return OpportunityDraft(**values, line_items=lines)


def update_opportunity(
    opp: Opportunity, draft: OpportunityDraft, mask: tuple[str, ...], *, by: str, now: datetime
) -> Opportunity:
    """The fields named in `mask` take the draft's values. The pipeline and the account
    are fixed once created; amount, close date and products of a closed deal change only
    after reopening it."""
    violations: list[FieldViolation] = []
    names = rules.masked(mask, EDITABLE, "opportunity", violations)
    require(violations)
    frozen = [n for n in names if n in FROZEN_WHEN_CLOSED]
    if not opp.is_open and frozen:
        raise FailedPrecondition(
            f"opportunity {opp.id} is {opp.status.value}: reopen it to change {', '.join(frozen)}"
        )
    clean = _clean(replace(draft_of(opp), **{n: getattr(draft, n) for n in names}))
    changed = [n for n in EDITABLE if clean[n] != getattr(opp, n)]
    if not changed:
        return opp
    payload = {
        "opportunity_id": opp.id,
        "changed_fields": changed,
        "amount": money_payload(clean["amount"]),
        "expected_close_date": clean["expected_close_date"],
        "owner_id": clean["owner_id"],
        "previous_owner_id": opp.owner_id if "owner_id" in changed else "",
        "team_id": clean["team_id"],
        "updated_by": by,
    }
    return revise(
        opp, AGGREGATE, now, [("OpportunityUpdated", payload)], **{n: clean[n] for n in changed}
    )


def attach_artefacts(
    opp: Opportunity,
    drafts: tuple[ArtefactDraft, ...],
    ids: list[str],
    *,
    stage: str,
    by: str,
    now: datetime,
) -> Opportunity:
    """The deal with the artefacts supplied for `stage` attached (no event of their own:
    they travel with the stage change they were supplied for)."""
    violations: list[FieldViolation] = []
    if len(opp.artefacts) + len(drafts) > MAX_ARTEFACTS:
        violations.append(FieldViolation("artefacts", f"a deal holds at most {MAX_ARTEFACTS}"))
    added = []
    for i, (draft, artefact_id) in enumerate(zip(drafts, ids, strict=True)):
        where = f"artefacts[{i}]"
        if not rules.CUSTOM_KEY.match(draft.kind):
            violations.append(
                FieldViolation(
                    f"{where}.kind",
                    "lower-case letters, digits and _, e.g. signed_requirements_doc",
                )
            )
        uri = draft.file_uri.strip()
        if not uri or len(uri) > 1000 or any(ch.isspace() for ch in uri):
            violations.append(
                FieldViolation(
                    f"{where}.file_uri", "is required: the document's object-store reference"
                )
            )
        name = clean_text(draft.name)
        if len(name) > 200:
            violations.append(FieldViolation(f"{where}.name", "must be at most 200 characters"))
        added.append(Artefact(artefact_id, draft.kind, name or draft.kind, uri, stage, by, now))
    require(violations)
    if not added:
        return opp
    return replace(opp, artefacts=(*opp.artefacts, *added), updated_at=now)
