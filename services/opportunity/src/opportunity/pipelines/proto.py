"""Protobuf messages of crm.opportunity.v1 to domain values and back, for pipelines and
their stages (no behaviour)."""

from __future__ import annotations

from crm.opportunity.v1 import opportunity_pb2 as pb
from crm_runtime.errors import FieldViolation, require
from crm_runtime.rpc.protojson import timestamp

from opportunity.domain.pipeline import Pipeline, PipelineDraft, Stage, StageKind
from opportunity.proto import (
    enum_name,
    enum_value,
    money_from_proto,
    money_to_proto,
)

KIND = "STAGE_KIND_"


def stage_from_proto(msg: pb.Stage, i: int, violations: list[FieldViolation]) -> Stage:
    kind = enum_name(pb.StageKind, msg.kind, KIND)
    if kind not in [k.value for k in StageKind]:
        violations.append(FieldViolation(f"stages[{i}].kind", "must be open, won or lost"))
    return Stage(
        key=msg.key,
        name=msg.name,
        position=msg.position,
        kind=StageKind(kind) if kind in [k.value for k in StageKind] else StageKind.OPEN,
        win_probability=msg.win_probability,
        required_fields=tuple(msg.required_fields),
        required_artefacts=tuple(msg.required_artefacts),
        allow_skip=msg.allow_skip,
        requires_approval=msg.requires_approval,
    )


def stage_to_proto(stage: Stage) -> pb.Stage:
    return pb.Stage(
        key=stage.key,
        name=stage.name,
        position=stage.position,
        kind=enum_value(pb.StageKind, KIND, stage.kind.value),
        win_probability=stage.win_probability,
        required_fields=list(stage.required_fields),
        required_artefacts=list(stage.required_artefacts),
        allow_skip=stage.allow_skip,
        requires_approval=stage.requires_approval,
    )


def pipeline_draft(msg: pb.PipelineInput) -> PipelineDraft:
    violations: list[FieldViolation] = []
    stages = tuple(stage_from_proto(s, i, violations) for i, s in enumerate(msg.stages))
    require(violations)
    return PipelineDraft(
        name=msg.name,
        is_default=msg.is_default,
        active=msg.active,
        stages=stages,
        approval_threshold=money_from_proto(
            msg.approval_threshold, msg.HasField("approval_threshold"), "approval_threshold"
        ),
        approver_role=msg.approver_role,
        quote_discount_threshold_percent=msg.quote_discount_threshold_percent,
        cadence_days=msg.cadence_days,
    )


def pipeline_to_proto(p: Pipeline) -> pb.Pipeline:
    return pb.Pipeline(
        id=p.id,
        tenant_id=p.tenant_id,
        name=p.name,
        version=p.version,
        is_default=p.is_default,
        active=p.active,
        stages=[stage_to_proto(s) for s in p.stages],
        approval_threshold=money_to_proto(p.approval_threshold),
        approver_role=p.approver_role,
        quote_discount_threshold_percent=p.quote_discount_threshold_percent,
        cadence_days=p.cadence_days,
        created_at=timestamp(p.created_at),
        updated_at=timestamp(p.updated_at),
    )
