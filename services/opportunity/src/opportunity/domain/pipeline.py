"""Pipelines (销售阶段): a tenant's ordered stages, each with a win probability and the
gate a deal must pass to enter it (fields set, artefacts supplied), whether a forward
move may jump over it, and whether entering it needs approval for big deals.

Every change makes a new version and every version is kept: a deal keeps the version it
was created in, so editing a pipeline never changes the rules of a deal already in it
(ADR 0016)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from crm_runtime.errors import FieldViolation, require
from crm_runtime.messaging.events import DomainEvent

from opportunity.domain.aggregate import event
from opportunity.domain.money import Money, money_problems, parse_decimal
from opportunity.domain.settings import ROLE, OpportunitySettings
from opportunity.domain.text import clean_text

AGGREGATE = "pipeline"
KEY = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
MAX_STAGES, MAX_REQUIREMENTS = 30, 20
# Opportunity fields a stage may require (plus `custom_fields.<key>`).
REQUIRABLE_FIELDS = (
    "amount",
    "expected_close_date",
    "primary_contact_id",
    "contact_ids",
    "description",
    "line_items",
    "forecast_category",
    "competitors",
    "next_step",
    "tags",
)
CUSTOM_PREFIX = "custom_fields."


class StageKind(StrEnum):
    OPEN = "open"
    WON = "won"
    LOST = "lost"


@dataclass(frozen=True)
class Stage:
    key: str
    name: str
    kind: StageKind
    win_probability: int
    position: int = 0
    required_fields: tuple[str, ...] = ()
    required_artefacts: tuple[str, ...] = ()
    allow_skip: bool = False
    requires_approval: bool = False


@dataclass(frozen=True)
class PipelineDraft:
    name: str = ""
    is_default: bool = False
    active: bool = True
    stages: tuple[Stage, ...] = ()
    approval_threshold: Money | None = None  # None: the tenant's setting
    approver_role: str = ""  # "": the tenant's setting
    quote_discount_threshold_percent: str = ""
    cadence_days: int = 0  # 0: the tenant's setting


@dataclass
class Pipeline:
    id: str
    tenant_id: str
    name: str
    version: int
    stages: tuple[Stage, ...]
    created_at: datetime
    updated_at: datetime
    created_by: str = ""
    is_default: bool = False
    active: bool = True
    approval_threshold: Money | None = None
    approver_role: str = ""
    quote_discount_threshold_percent: str = ""
    cadence_days: int = 0
    events: list[DomainEvent] = field(default_factory=list, repr=False, compare=False)

    def stage(self, key: str) -> Stage | None:
        return next((s for s in self.stages if s.key == key), None)

    @property
    def open_stages(self) -> tuple[Stage, ...]:
        return tuple(s for s in self.stages if s.kind is StageKind.OPEN)

    def closing_stage(self, kind: StageKind) -> Stage:
        return next(s for s in self.stages if s.kind is kind)

    def threshold(self, settings: OpportunitySettings) -> Money:
        return self.approval_threshold or settings.threshold

    def approver(self, settings: OpportunitySettings) -> str:
        return self.approver_role or settings.approver_role

    def cadence(self, settings: OpportunitySettings) -> int:
        return self.cadence_days or settings.cadence_days


def _stage_problems(i: int, stage: Stage) -> list[FieldViolation]:
    where = f"stages[{i}]"
    found = []
    if not KEY.match(stage.key):
        found.append(FieldViolation(f"{where}.key", "must be lower-case letters, digits and _"))
    if not 1 <= len(clean_text(stage.name)) <= 100:
        found.append(FieldViolation(f"{where}.name", "must be 1 to 100 characters"))
    if not 0 <= stage.win_probability <= 100:
        found.append(FieldViolation(f"{where}.win_probability", "must be between 0 and 100"))
    elif stage.kind is StageKind.WON and stage.win_probability != 100:
        found.append(FieldViolation(f"{where}.win_probability", "of the won stage is 100"))
    elif stage.kind is StageKind.LOST and stage.win_probability != 0:
        found.append(FieldViolation(f"{where}.win_probability", "of the lost stage is 0"))
    for name, values in (
        ("required_fields", stage.required_fields),
        ("required_artefacts", stage.required_artefacts),
    ):
        if len(values) > MAX_REQUIREMENTS:
            found.append(FieldViolation(f"{where}.{name}", f"at most {MAX_REQUIREMENTS}"))
    for j, name in enumerate(stage.required_fields):
        custom = name.startswith(CUSTOM_PREFIX) and KEY.match(name.removeprefix(CUSTOM_PREFIX))
        if name not in REQUIRABLE_FIELDS and not custom:
            known = ", ".join(REQUIRABLE_FIELDS)
            found.append(
                FieldViolation(
                    f"{where}.required_fields[{j}]", f"one of {known} or custom_fields.<key>"
                )
            )
    for j, kind in enumerate(stage.required_artefacts):
        if not KEY.match(kind):
            found.append(
                FieldViolation(
                    f"{where}.required_artefacts[{j}]",
                    "an artefact kind: lower-case letters, digits and _",
                )
            )
    return found


def _ordered(stages: tuple[Stage, ...]) -> tuple[Stage, ...]:
    """By position, then the stages without one (0) in list order; renumbered 1, 2, ..."""
    ordered = sorted(
        enumerate(stages), key=lambda pair: (pair[1].position == 0, pair[1].position, pair[0])
    )
    return tuple(
        Stage(
            **{
                **s.__dict__,
                "position": n,
                "name": clean_text(s.name),
                "required_fields": tuple(dict.fromkeys(s.required_fields)),
                "required_artefacts": tuple(dict.fromkeys(s.required_artefacts)),
            }
        )
        for n, (_, s) in enumerate(ordered, start=1)
    )


def check_draft(draft: PipelineDraft) -> PipelineDraft:
    """The draft with its stages in order, or ValidationFailed naming every bad field."""
    found: list[FieldViolation] = []
    if not 1 <= len(clean_text(draft.name)) <= 100:
        found.append(FieldViolation("name", "must be 1 to 100 characters"))
    if not 2 <= len(draft.stages) <= MAX_STAGES:
        found.append(FieldViolation("stages", f"a pipeline has 2 to {MAX_STAGES} stages"))
    keys = [s.key for s in draft.stages]
    for i, stage in enumerate(draft.stages):
        found += _stage_problems(i, stage)
        if keys.count(stage.key) > 1 and keys.index(stage.key) != i:
            found.append(FieldViolation(f"stages[{i}].key", f"{stage.key} is used twice"))
    kinds = [s.kind for s in draft.stages]
    for kind, rule in ((StageKind.WON, "exactly one"), (StageKind.LOST, "exactly one")):
        if kinds.count(kind) != 1:
            found.append(FieldViolation("stages", f"{rule} stage of kind {kind.value}"))
    if StageKind.OPEN not in kinds:
        found.append(FieldViolation("stages", "at least one open stage"))
    if draft.approval_threshold is not None:
        found += money_problems("approval_threshold", draft.approval_threshold)
    if draft.approver_role and not ROLE.match(draft.approver_role):
        found.append(FieldViolation("approver_role", "must be a role name such as sales_director"))
    percent = draft.quote_discount_threshold_percent
    if percent and not (0 <= (parse_decimal(percent) or -1) <= 100):
        found.append(FieldViolation("quote_discount_threshold_percent", "a decimal from 0 to 100"))
    if draft.cadence_days and not 1 <= draft.cadence_days <= 90:
        found.append(FieldViolation("cadence_days", "between 1 and 90 (0: the tenant's)"))
    require(found)
    return PipelineDraft(
        **{**draft.__dict__, "name": clean_text(draft.name), "stages": _ordered(draft.stages)}
    )


def _published(pipeline: Pipeline, by: str, now: datetime) -> DomainEvent:
    stages = [
        {
            "key": s.key,
            "name": s.name,
            "position": s.position,
            "kind": s.kind.value,
            "win_probability": s.win_probability,
        }
        for s in pipeline.stages
    ]
    payload: dict[str, Any] = {
        "pipeline_id": pipeline.id,
        "name": pipeline.name,
        "version": pipeline.version,
        "is_default": pipeline.is_default,
        "active": pipeline.active,
        "stages": stages,
        "changed_by": by,
    }
    return event(pipeline, AGGREGATE, "PipelineVersionCreated", payload, now, new=True)


def create_pipeline(
    draft: PipelineDraft,
    *,
    pipeline_id: str,
    tenant_id: str,
    by: str,
    now: datetime,
    version: int = 1,
) -> Pipeline:
    """A pipeline at `version` (1 when new; the next one when revised)."""
    clean = check_draft(draft)
    pipeline = Pipeline(
        id=pipeline_id,
        tenant_id=tenant_id,
        version=version,
        created_at=now,
        updated_at=now,
        created_by=by,
        **clean.__dict__,
    )
    pipeline.events.append(_published(pipeline, by, now))
    return pipeline


def revise_pipeline(current: Pipeline, draft: PipelineDraft, *, by: str, now: datetime) -> Pipeline:
    """The next version of `current` with the draft's definition; a default pipeline
    stays default and active until another one is made default."""
    violations = []
    if current.is_default and not draft.is_default:
        violations.append(FieldViolation("is_default", "make another pipeline the default instead"))
    if (current.is_default or draft.is_default) and not draft.active:
        violations.append(FieldViolation("active", "the default pipeline stays active"))
    require(violations)
    revised = create_pipeline(
        draft,
        pipeline_id=current.id,
        tenant_id=current.tenant_id,
        by=by,
        now=now,
        version=current.version + 1,
    )
    revised.created_at = current.created_at
    return revised


def _stage(
    key: str, name: str, probability: int, kind: StageKind = StageKind.OPEN, **rules: Any
) -> Stage:
    return Stage(key=key, name=name, kind=kind, win_probability=probability, **rules)


DEFAULT_STAGES = (
    _stage("initial_contact", "初步接洽", 10),
    _stage("needs_confirmed", "需求确认", 30, required_fields=("amount", "expected_close_date")),
    _stage("solution", "方案报价", 50, required_fields=("primary_contact_id",)),
    # DOMAIN.md: the customer-signed requirements document comes before a quote.
    _stage(
        "quote_negotiation",
        "报价谈判",
        70,
        required_artefacts=("signed_requirements_doc",),
        requires_approval=True,
    ),
    _stage(
        "contract_signing",
        "合同签订",
        90,
        required_fields=("primary_contact_id",),
        requires_approval=True,
    ),
    _stage("won", "赢单", 100, StageKind.WON),
    _stage("lost", "输单", 0, StageKind.LOST),
)


def default_pipeline(*, pipeline_id: str, tenant_id: str, now: datetime) -> Pipeline:
    """DOMAIN.md's pipeline, which a tenant gets when it has none."""
    draft = PipelineDraft(name="默认销售流程", is_default=True, active=True, stages=DEFAULT_STAGES)
    return create_pipeline(
        draft, pipeline_id=pipeline_id, tenant_id=tenant_id, by="system", now=now
    )


def draft_of(pipeline: Pipeline) -> PipelineDraft:
    return PipelineDraft(
        name=pipeline.name,
        is_default=pipeline.is_default,
        active=pipeline.active,
        stages=pipeline.stages,
        approval_threshold=pipeline.approval_threshold,
        approver_role=pipeline.approver_role,
        quote_discount_threshold_percent=pipeline.quote_discount_threshold_percent,
        cadence_days=pipeline.cadence_days,
    )


def lose_default(current: Pipeline, *, by: str, now: datetime) -> Pipeline:
    """The next version of a pipeline that stops being the default because another
    one became it."""
    draft = replace(draft_of(current), is_default=False)
    revised = create_pipeline(
        draft,
        pipeline_id=current.id,
        tenant_id=current.tenant_id,
        by=by,
        now=now,
        version=current.version + 1,
    )
    revised.created_at = current.created_at
    return revised
