"""Protobuf messages of crm.opportunity.v1 to domain values and back, for pipelines,
opportunities, stage history and approvals (no behaviour)."""

from __future__ import annotations

from crm.opportunity.v1 import opportunity_pb2 as pb
from crm_runtime.errors import FieldViolation, require
from crm_runtime.protojson import timestamp

from opportunity.deal_listing import OpportunityQuery
from opportunity.domain.approvals import Approval
from opportunity.domain.history import StageChange
from opportunity.domain.opportunity import (
    ArtefactDraft,
    LineItemDraft,
    Opportunity,
    OpportunityDraft,
)
from opportunity.domain.pipeline import Pipeline, PipelineDraft, Stage, StageKind
from opportunity.grpc_convert import (
    customs_from_proto,
    customs_to_proto,
    enum_name,
    enum_value,
    money_from_proto,
    money_to_proto,
)

KIND, STATUS = "STAGE_KIND_", "OPPORTUNITY_STATUS_"
APPROVAL_KIND, APPROVAL_STATUS = "APPROVAL_KIND_", "APPROVAL_STATUS_"


def stage_from_proto(msg: pb.Stage, i: int, violations: list[FieldViolation]) -> Stage:
    kind = enum_name(pb.StageKind, msg.kind, KIND)
    if kind not in [k.value for k in StageKind]:
        violations.append(FieldViolation(f"stages[{i}].kind", "must be open, won or lost"))
    return Stage(
        key=msg.key, name=msg.name, position=msg.position,
        kind=StageKind(kind) if kind in [k.value for k in StageKind] else StageKind.OPEN,
        win_probability=msg.win_probability, required_fields=tuple(msg.required_fields),
        required_artefacts=tuple(msg.required_artefacts), allow_skip=msg.allow_skip,
        requires_approval=msg.requires_approval,
    )  # fmt: skip


def stage_to_proto(stage: Stage) -> pb.Stage:
    return pb.Stage(
        key=stage.key, name=stage.name, position=stage.position,
        kind=enum_value(pb.StageKind, KIND, stage.kind.value),
        win_probability=stage.win_probability, required_fields=list(stage.required_fields),
        required_artefacts=list(stage.required_artefacts), allow_skip=stage.allow_skip,
        requires_approval=stage.requires_approval,
    )  # fmt: skip


def pipeline_draft(msg: pb.PipelineInput) -> PipelineDraft:
    violations: list[FieldViolation] = []
    stages = tuple(stage_from_proto(s, i, violations) for i, s in enumerate(msg.stages))
    require(violations)
    return PipelineDraft(
        name=msg.name, is_default=msg.is_default, active=msg.active, stages=stages,
        approval_threshold=money_from_proto(msg.approval_threshold, msg.HasField("approval_threshold"), "approval_threshold"),
        approver_role=msg.approver_role,
        quote_discount_threshold_percent=msg.quote_discount_threshold_percent,
        cadence_days=msg.cadence_days,
    )  # fmt: skip


def pipeline_to_proto(p: Pipeline) -> pb.Pipeline:
    return pb.Pipeline(
        id=p.id, tenant_id=p.tenant_id, name=p.name, version=p.version, is_default=p.is_default,
        active=p.active, stages=[stage_to_proto(s) for s in p.stages],
        approval_threshold=money_to_proto(p.approval_threshold), approver_role=p.approver_role,
        quote_discount_threshold_percent=p.quote_discount_threshold_percent,
        cadence_days=p.cadence_days, created_at=timestamp(p.created_at),
        updated_at=timestamp(p.updated_at),
    )  # fmt: skip


def line_draft(msg: pb.LineItemInput, i: int) -> LineItemDraft:
    price = money_from_proto(
        msg.unit_price, msg.HasField("unit_price"), f"line_items[{i}].unit_price"
    )
    return LineItemDraft(msg.product_code, msg.name, msg.quantity, price)


def opportunity_draft(msg: pb.OpportunityInput) -> OpportunityDraft:
    return OpportunityDraft(
        name=msg.name, account_id=msg.account_id, primary_contact_id=msg.primary_contact_id,
        owner_id=msg.owner_id, team_id=msg.team_id, pipeline_id=msg.pipeline_id,
        amount=money_from_proto(msg.amount, msg.HasField("amount"), "amount"),
        expected_close_date=msg.expected_close_date, description=msg.description,
        tags=tuple(msg.tags), custom_fields=customs_from_proto(msg.custom_fields),
        source=msg.source, contact_ids=tuple(msg.contact_ids),
        line_items=tuple(line_draft(line, i) for i, line in enumerate(msg.line_items)),
        forecast_category=msg.forecast_category, competitors=tuple(msg.competitors),
        next_step=msg.next_step,
    )  # fmt: skip


def opportunity_to_proto(o: Opportunity) -> pb.Opportunity:
    return pb.Opportunity(
        id=o.id, tenant_id=o.tenant_id, name=o.name, account_id=o.account_id,
        primary_contact_id=o.primary_contact_id, owner_id=o.owner_id, team_id=o.team_id,
        pipeline_id=o.pipeline_id, pipeline_version=o.pipeline_version, stage=o.stage,
        stage_entered_at=timestamp(o.stage_entered_at), probability=o.probability,
        status=enum_value(pb.OpportunityStatus, STATUS, o.status.value),
        amount=money_to_proto(o.amount), expected_close_date=o.expected_close_date,
        closed_date=o.closed_date, won_quote_id=o.won_quote_id, loss_reason=o.loss_reason,
        competitor=o.competitor, pending_approval_id=o.pending_approval_id,
        source_lead_id=o.source_lead_id, source=o.source, description=o.description,
        tags=list(o.tags),
        artefacts=[
            pb.Artefact(id=a.id, kind=a.kind, name=a.name, file_uri=a.file_uri, stage=a.stage,
                        uploaded_by=a.uploaded_by, uploaded_at=timestamp(a.uploaded_at))
            for a in o.artefacts
        ],
        custom_fields=customs_to_proto(o.custom_fields),
        last_activity_at=timestamp(o.last_activity_at),
        next_follow_up_due_at=timestamp(o.next_follow_up_due_at),
        created_at=timestamp(o.created_at), updated_at=timestamp(o.updated_at),
        version=o.version, created_by=o.created_by, contact_ids=list(o.contact_ids),
        line_items=[
            pb.LineItem(product_code=i.product_code, name=i.name, quantity=f"{i.quantity:f}",
                        unit_price=money_to_proto(i.unit_price), total=money_to_proto(i.total))
            for i in o.line_items
        ],
        forecast_category=o.forecast_category, competitors=list(o.competitors),
        next_step=o.next_step, closed_from_stage=o.closed_from_stage, account_name=o.account_name,
    )  # fmt: skip


def artefact_drafts(values: list[pb.ArtefactInput]) -> tuple[ArtefactDraft, ...]:
    return tuple(ArtefactDraft(a.kind, a.name, a.file_uri) for a in values)


def query_from_proto(request: pb.ListOpportunitiesRequest) -> OpportunityQuery:
    f = request.filter
    return OpportunityQuery(
        stages=tuple(f.stages), owner_ids=tuple(f.owner_ids), team_ids=tuple(f.team_ids),
        account_ids=tuple(f.account_ids), pipeline_ids=tuple(f.pipeline_ids),
        statuses=tuple(enum_name(pb.OpportunityStatus, s, STATUS) or "unspecified" for s in f.statuses),
        amount_min=money_from_proto(f.amount_min, f.HasField("amount_min"), "amount_min"),
        amount_max=money_from_proto(f.amount_max, f.HasField("amount_max"), "amount_max"),
        close_date_from=f.close_date_from, close_date_to=f.close_date_to,
        probability_min=f.probability_min, probability_max=f.probability_max, text=f.text,
        sort=request.sort, limit=request.page.limit, cursor=request.page.cursor,
    )  # fmt: skip


def change_to_proto(c: StageChange) -> pb.StageChange:
    return pb.StageChange(
        id=c.id, opportunity_id=c.opportunity_id, from_stage=c.from_stage, to_stage=c.to_stage,
        probability=c.probability, amount=money_to_proto(c.amount), actor_id=c.actor_id,
        at=timestamp(c.at), dwell_seconds=c.dwell_seconds, approval_id=c.approval_id, note=c.note,
    )  # fmt: skip


def approval_to_proto(a: Approval) -> pb.Approval:
    return pb.Approval(
        id=a.id, kind=enum_value(pb.ApprovalKind, APPROVAL_KIND, a.kind.value),
        status=enum_value(pb.ApprovalStatus, APPROVAL_STATUS, a.status.value),
        opportunity_id=a.opportunity_id, opportunity_name=a.opportunity_name,
        account_id=a.account_id, owner_id=a.owner_id, from_stage=a.from_stage,
        to_stage=a.to_stage, quote_id=a.quote_id, quote_version=a.quote_version,
        discount_percent=a.discount_percent, amount=money_to_proto(a.amount),
        threshold=money_to_proto(a.threshold), approver_role=a.approver_role,
        requested_by=a.requested_by, requested_at=timestamp(a.requested_at), note=a.note,
        decided_by=a.decided_by, decided_at=timestamp(a.decided_at), reason=a.reason,
        threshold_percent=a.threshold_percent,
    )  # fmt: skip
