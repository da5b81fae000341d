"""Protobuf messages of crm.lead.v1 to domain values and back (no behaviour)."""

from __future__ import annotations

from datetime import UTC

from crm.lead.v1 import lead_pb2 as pb
from crm_runtime.protojson import timestamp

from lead.domain.assignment import AssignmentRule, Rep
from lead.domain.followups import FollowUp, FollowUpDraft
from lead.domain.lead import Lead, LeadDraft, LeadStatus
from lead.listing import LeadQuery


def status_to_proto(status: LeadStatus) -> int:
    return pb.LeadStatus.Value(f"LEAD_STATUS_{status.name}")


def status_from_proto(value: int) -> str:
    """The status name, or "" for UNSPECIFIED (which validation then reports)."""
    name = pb.LeadStatus.Name(value) if value in pb.LeadStatus.values() else ""
    return (
        "" if name in ("", "LEAD_STATUS_UNSPECIFIED") else name.removeprefix("LEAD_STATUS_").lower()
    )


def draft_from_proto(msg: pb.LeadInput) -> LeadDraft:
    return LeadDraft(
        name=msg.name, company=msg.company, phone=msg.phone, email=msg.email, source=msg.source,
        owner_id=msg.owner_id, region=msg.region, industry=msg.industry,
        product_line=msg.product_line, tags=tuple(msg.tags), notes=msg.notes,
    )  # fmt: skip


def lead_to_proto(lead: Lead) -> pb.Lead:
    return pb.Lead(
        id=lead.id, tenant_id=lead.tenant_id, name=lead.name, company=lead.company,
        phone=lead.phone, email=lead.email, source=lead.source, owner_id=lead.owner_id,
        status=status_to_proto(lead.status), region=lead.region, industry=lead.industry,
        product_line=lead.product_line, tags=list(lead.tags), notes=lead.notes, score=lead.score,
        score_reasons=[
            pb.ScoreReason(rule=r.rule, points=r.points, explanation=r.explanation)
            for r in lead.score_reasons
        ],
        score_band=lead.score_band, assignment_reason=lead.assignment_reason,
        assignment_rule=lead.assignment_rule, disqualify_reason=lead.disqualify_reason,
        created_at=timestamp(lead.created_at), updated_at=timestamp(lead.updated_at), version=lead.version,
        duplicate_of=lead.duplicate_of, owned_since=timestamp(lead.owned_since),
        last_follow_up_at=timestamp(lead.last_follow_up_at), merged_into=lead.merged_into,
        merged_ids=list(lead.merged_ids), account_id=lead.account_id, contact_id=lead.contact_id,
        opportunity_id=lead.opportunity_id, created_by=lead.created_by,
    )  # fmt: skip


def follow_up_draft(msg: pb.LogFollowUpRequest) -> FollowUpDraft:
    kind = pb.FollowUpKind.Name(msg.kind) if msg.kind in pb.FollowUpKind.values() else ""
    return FollowUpDraft(
        kind="" if kind.endswith("UNSPECIFIED") else kind.removeprefix("FOLLOW_UP_KIND_").lower(),
        notes=msg.notes,
        next_step=msg.next_step,
        next_step_at=msg.next_step_at.ToDatetime(tzinfo=UTC)
        if msg.HasField("next_step_at")
        else None,
    )


def follow_up_to_proto(f: FollowUp) -> pb.FollowUp:
    return pb.FollowUp(
        id=f.id, lead_id=f.lead_id, kind=pb.FollowUpKind.Value(f"FOLLOW_UP_KIND_{f.kind.name}"),
        notes=f.notes, next_step=f.next_step, next_step_at=timestamp(f.next_step_at),
        by_user_id=f.by_user_id, at=timestamp(f.at),
    )  # fmt: skip


def query_from_proto(filt: pb.LeadFilter, page_limit: int, cursor: str) -> LeadQuery:
    return LeadQuery.parse(
        page_limit, cursor,
        owner_ids=tuple(filt.owner_ids), statuses=tuple(status_from_proto(s) or "unspecified" for s in filt.statuses),
        sources=tuple(filt.sources), score_bands=tuple(filt.score_bands), tags=tuple(filt.tags),
        created_from=filt.created_from.ToDatetime(tzinfo=UTC) if filt.HasField("created_from") else None,
        created_to=filt.created_to.ToDatetime(tzinfo=UTC) if filt.HasField("created_to") else None,
        text=filt.text,
    )  # fmt: skip


def rule_from_proto(msg: pb.AssignmentRule) -> AssignmentRule:
    return AssignmentRule(
        name=msg.name, group=msg.group, regions=frozenset(msg.regions),
        industries=frozenset(msg.industries), product_lines=frozenset(msg.product_lines),
        min_score=msg.min_score if msg.HasField("min_score") else None,
        skills=frozenset(msg.skills), seniors_only=msg.seniors_only,
    )  # fmt: skip


def rule_to_proto(rule: AssignmentRule) -> pb.AssignmentRule:
    msg = pb.AssignmentRule(
        name=rule.name, group=rule.group, regions=sorted(rule.regions),
        industries=sorted(rule.industries), product_lines=sorted(rule.product_lines),
        skills=sorted(rule.skills), seniors_only=rule.seniors_only,
    )  # fmt: skip
    if rule.min_score is not None:
        msg.min_score = rule.min_score
    return msg


def rep_from_proto(msg: pb.Rep) -> Rep:
    return Rep(
        id=msg.id, name=msg.name, team_id=msg.team_id, groups=frozenset(msg.groups),
        skills=frozenset(msg.skills), senior=msg.senior, active=msg.active, away=msg.away,
        capacity=msg.capacity if msg.HasField("capacity") else None,
    )  # fmt: skip


def rep_to_proto(rep: Rep, manager_id: str) -> pb.Rep:
    msg = pb.Rep(
        id=rep.id, name=rep.name, team_id=rep.team_id, manager_id=manager_id,
        groups=sorted(rep.groups), skills=sorted(rep.skills), senior=rep.senior,
        active=rep.active, away=rep.away, open_leads=rep.open_leads,
    )  # fmt: skip
    if rep.capacity is not None:
        msg.capacity = rep.capacity
    return msg
