"""Protobuf messages of crm.opportunity.v1 to domain values and back, for opportunities
and their stage history (no behaviour)."""

from __future__ import annotations

from crm.opportunity.v1 import opportunity_pb2 as pb
from crm_runtime.rpc.protojson import timestamp

from opportunity.deals.listing import OpportunityQuery
from opportunity.domain.history import StageChange
from opportunity.domain.line_items import LineItemDraft
from opportunity.domain.opportunity import (
    ArtefactDraft,
    Opportunity,
    OpportunityDraft,
)
from opportunity.proto import (
    customs_from_proto,
    customs_to_proto,
    enum_name,
    enum_value,
    money_from_proto,
    money_to_proto,
)

STATUS = "OPPORTUNITY_STATUS_"


def line_draft(msg: pb.LineItemInput, i: int) -> LineItemDraft:
    price = money_from_proto(
        msg.unit_price, msg.HasField("unit_price"), f"line_items[{i}].unit_price"
    )
    return LineItemDraft(msg.product_code, msg.name, msg.quantity, price)


def opportunity_draft(msg: pb.OpportunityInput) -> OpportunityDraft:
    return OpportunityDraft(
        name=msg.name,
        account_id=msg.account_id,
        primary_contact_id=msg.primary_contact_id,
        owner_id=msg.owner_id,
        team_id=msg.team_id,
        pipeline_id=msg.pipeline_id,
        amount=money_from_proto(msg.amount, msg.HasField("amount"), "amount"),
        expected_close_date=msg.expected_close_date,
        description=msg.description,
        tags=tuple(msg.tags),
        custom_fields=customs_from_proto(msg.custom_fields),
        source=msg.source,
        contact_ids=tuple(msg.contact_ids),
        line_items=tuple(line_draft(line, i) for i, line in enumerate(msg.line_items)),
        forecast_category=msg.forecast_category,
        competitors=tuple(msg.competitors),
        next_step=msg.next_step,
    )


def opportunity_to_proto(o: Opportunity) -> pb.Opportunity:
    return pb.Opportunity(
        id=o.id,
        tenant_id=o.tenant_id,
        name=o.name,
        account_id=o.account_id,
        primary_contact_id=o.primary_contact_id,
        owner_id=o.owner_id,
        team_id=o.team_id,
        pipeline_id=o.pipeline_id,
        pipeline_version=o.pipeline_version,
        stage=o.stage,
        stage_entered_at=timestamp(o.stage_entered_at),
        probability=o.probability,
        status=enum_value(pb.OpportunityStatus, STATUS, o.status.value),
        amount=money_to_proto(o.amount),
        expected_close_date=o.expected_close_date,
        closed_date=o.closed_date,
        won_quote_id=o.won_quote_id,
        loss_reason=o.loss_reason,
        competitor=o.competitor,
        pending_approval_id=o.pending_approval_id,
        source_lead_id=o.source_lead_id,
        source=o.source,
        description=o.description,
        tags=list(o.tags),
        artefacts=[
            pb.Artefact(
                id=a.id,
                kind=a.kind,
                name=a.name,
                file_uri=a.file_uri,
                stage=a.stage,
                uploaded_by=a.uploaded_by,
                uploaded_at=timestamp(a.uploaded_at),
            )
            for a in o.artefacts
        ],
        custom_fields=customs_to_proto(o.custom_fields),
        last_activity_at=timestamp(o.last_activity_at),
        next_follow_up_due_at=timestamp(o.next_follow_up_due_at),
        created_at=timestamp(o.created_at),
        updated_at=timestamp(o.updated_at),
        version=o.version,
        created_by=o.created_by,
        contact_ids=list(o.contact_ids),
        line_items=[
            pb.LineItem(
                product_code=i.product_code,
                name=i.name,
                quantity=f"{i.quantity:f}",
                unit_price=money_to_proto(i.unit_price),
                total=money_to_proto(i.total),
            )
            for i in o.line_items
        ],
        forecast_category=o.forecast_category,
        competitors=list(o.competitors),
        next_step=o.next_step,
        closed_from_stage=o.closed_from_stage,
        account_name=o.account_name,
    )


def artefact_drafts(values: list[pb.ArtefactInput]) -> tuple[ArtefactDraft, ...]:
    return tuple(ArtefactDraft(a.kind, a.name, a.file_uri) for a in values)


def query_from_proto(request: pb.ListOpportunitiesRequest) -> OpportunityQuery:
    f = request.filter
    return OpportunityQuery(
        stages=tuple(f.stages),
        owner_ids=tuple(f.owner_ids),
        team_ids=tuple(f.team_ids),
        account_ids=tuple(f.account_ids),
        pipeline_ids=tuple(f.pipeline_ids),
        statuses=tuple(
            enum_name(pb.OpportunityStatus, s, STATUS) or "unspecified" for s in f.statuses
        ),
        amount_min=money_from_proto(f.amount_min, f.HasField("amount_min"), "amount_min"),
        amount_max=money_from_proto(f.amount_max, f.HasField("amount_max"), "amount_max"),
        close_date_from=f.close_date_from,
        close_date_to=f.close_date_to,
        probability_min=f.probability_min,
        probability_max=f.probability_max,
        text=f.text,
        sort=request.sort,
        limit=request.page.limit,
        cursor=request.page.cursor,
    )


def change_to_proto(c: StageChange) -> pb.StageChange:
    return pb.StageChange(
        id=c.id,
        opportunity_id=c.opportunity_id,
        from_stage=c.from_stage,
        to_stage=c.to_stage,
        probability=c.probability,
        amount=money_to_proto(c.amount),
        actor_id=c.actor_id,
        at=timestamp(c.at),
        dwell_seconds=c.dwell_seconds,
        approval_id=c.approval_id,
        note=c.note,
    )
