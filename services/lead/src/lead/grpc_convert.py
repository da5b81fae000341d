"""Protobuf messages of crm.lead.v1 to domain values and back (no behaviour)."""

from __future__ import annotations

from datetime import UTC, date
from decimal import Decimal, InvalidOperation

from crm.common.v1 import common_pb2
from crm.lead.v1 import lead_pb2 as pb
from crm_runtime.rpc.protojson import timestamp

from lead.domain.assignment import AssignmentRule, Rep
from lead.domain.custom_fields import CustomFieldDefinition, CustomValue, FieldType, Value
from lead.domain.followups import FollowUp, FollowUpDraft
from lead.domain.lead import Lead, LeadDraft, LeadStatus
from lead.listing import LeadQuery


def status_to_proto(status: LeadStatus) -> int:
    return int(pb.LeadStatus.Value(f"LEAD_STATUS_{status.name}"))


def status_from_proto(value: int) -> str:
    """The status name, or "" for UNSPECIFIED (which validation then reports)."""
    name = pb.LeadStatus.Name(value) if value in pb.LeadStatus.values() else ""
    return (
        "" if name in ("", "LEAD_STATUS_UNSPECIFIED") else name.removeprefix("LEAD_STATUS_").lower()
    )


def draft_from_proto(msg: pb.LeadInput) -> LeadDraft:
    return LeadDraft(
        name=msg.name,
        company=msg.company,
        phone=msg.phone,
        email=msg.email,
        source=msg.source,
        owner_id=msg.owner_id,
        region=msg.region,
        industry=msg.industry,
        product_line=msg.product_line,
        tags=tuple(msg.tags),
        notes=msg.notes,
        channel_detail=msg.channel_detail,
        custom_fields=tuple(v for v in map(custom_value_from_proto, msg.custom_fields) if v),
    )


def custom_value_from_proto(msg: common_pb2.CustomFieldValue) -> CustomValue | None:
    """What the caller sent, typed where it parses: the domain judges it against the
    field's definition (a number slot holding no number is still reported as one)."""
    slot = msg.WhichOneof("value")
    if slot is None:
        return None
    raw: str = getattr(msg, slot)
    value: Value = raw
    if slot == "number":
        try:
            value = Decimal(raw)
        except InvalidOperation:
            value = raw
    elif slot == "date":
        try:
            value = date.fromisoformat(raw) if len(raw) == 10 else raw
        except ValueError:
            value = raw
    return CustomValue(msg.key, FieldType(slot), value)


def custom_value_to_proto(value: CustomValue) -> common_pb2.CustomFieldValue:
    raw = value.value
    text = format(raw, "f") if isinstance(raw, Decimal) else str(raw)
    if isinstance(raw, date):
        text = raw.isoformat()
    return common_pb2.CustomFieldValue(key=value.key, **{value.type.value: text})


def lead_to_proto(lead: Lead) -> pb.Lead:
    return pb.Lead(
        id=lead.id,
        tenant_id=lead.tenant_id,
        name=lead.name,
        company=lead.company,
        phone=lead.phone,
        email=lead.email,
        source=lead.source,
        owner_id=lead.owner_id,
        status=status_to_proto(lead.status),
        region=lead.region,
        industry=lead.industry,
        product_line=lead.product_line,
        tags=list(lead.tags),
        notes=lead.notes,
        score=lead.score,
        score_reasons=[
            pb.ScoreReason(rule=r.rule, points=r.points, explanation=r.explanation)
            for r in lead.score_reasons
        ],
        score_band=lead.score_band,
        assignment_reason=lead.assignment_reason,
        assignment_rule=lead.assignment_rule,
        disqualify_reason=lead.disqualify_reason,
        created_at=timestamp(lead.created_at),
        updated_at=timestamp(lead.updated_at),
        version=lead.version,
        duplicate_of=lead.duplicate_of,
        owned_since=timestamp(lead.owned_since),
        last_follow_up_at=timestamp(lead.last_follow_up_at),
        merged_into=lead.merged_into,
        merged_ids=list(lead.merged_ids),
        account_id=lead.account_id,
        contact_id=lead.contact_id,
        opportunity_id=lead.opportunity_id,
        created_by=lead.created_by,
        channel_detail=lead.channel_detail,
        custom_fields=[custom_value_to_proto(v) for v in lead.custom_fields],
    )


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
        id=f.id,
        lead_id=f.lead_id,
        kind=pb.FollowUpKind.Value(f"FOLLOW_UP_KIND_{f.kind.name}"),
        notes=f.notes,
        next_step=f.next_step,
        next_step_at=timestamp(f.next_step_at),
        by_user_id=f.by_user_id,
        at=timestamp(f.at),
    )


def query_from_proto(filt: pb.LeadFilter, page_limit: int, cursor: str) -> LeadQuery:
    return LeadQuery.parse(
        page_limit,
        cursor,
        owner_ids=tuple(filt.owner_ids),
        statuses=tuple(status_from_proto(s) or "unspecified" for s in filt.statuses),
        sources=tuple(filt.sources),
        score_bands=tuple(filt.score_bands),
        tags=tuple(filt.tags),
        created_from=filt.created_from.ToDatetime(tzinfo=UTC)
        if filt.HasField("created_from")
        else None,
        created_to=filt.created_to.ToDatetime(tzinfo=UTC) if filt.HasField("created_to") else None,
        text=filt.text,
        account_id=filt.account_id,
    )


def rule_from_proto(msg: pb.AssignmentRule) -> AssignmentRule:
    return AssignmentRule(
        name=msg.name,
        group=msg.group,
        regions=frozenset(msg.regions),
        industries=frozenset(msg.industries),
        product_lines=frozenset(msg.product_lines),
        min_score=msg.min_score if msg.HasField("min_score") else None,
        skills=frozenset(msg.skills),
        seniors_only=msg.seniors_only,
    )


def rule_to_proto(rule: AssignmentRule) -> pb.AssignmentRule:
    msg = pb.AssignmentRule(
        name=rule.name,
        group=rule.group,
        regions=sorted(rule.regions),
        industries=sorted(rule.industries),
        product_lines=sorted(rule.product_lines),
        skills=sorted(rule.skills),
        seniors_only=rule.seniors_only,
    )
    if rule.min_score is not None:
        msg.min_score = rule.min_score
    return msg


def rep_from_proto(msg: pb.Rep) -> Rep:
    return Rep(
        id=msg.id,
        name=msg.name,
        team_id=msg.team_id,
        groups=frozenset(msg.groups),
        skills=frozenset(msg.skills),
        senior=msg.senior,
        active=msg.active,
        away=msg.away,
        capacity=msg.capacity if msg.HasField("capacity") else None,
    )


def rep_to_proto(rep: Rep, manager_id: str) -> pb.Rep:
    msg = pb.Rep(
        id=rep.id,
        name=rep.name,
        team_id=rep.team_id,
        manager_id=manager_id,
        groups=sorted(rep.groups),
        skills=sorted(rep.skills),
        senior=rep.senior,
        active=rep.active,
        away=rep.away,
        open_leads=rep.open_leads,
    )
    if rep.capacity is not None:
        msg.capacity = rep.capacity
    return msg


def _optional_decimal(msg: pb.CustomFieldDefinition, name: str) -> Decimal | None:
    if not msg.HasField(name):
        return None
    try:
        return Decimal(getattr(msg, name))
    except InvalidOperation:
        return Decimal("NaN")  # reported by the domain as "must be a number"


def field_type_from_proto(value: int) -> FieldType | None:
    """The type, or None for UNSPECIFIED and unknown numbers (which the servicer refuses)."""
    name = pb.CustomFieldType.Name(value) if value in pb.CustomFieldType.values() else ""
    kind = name.removeprefix("CUSTOM_FIELD_TYPE_").lower()
    return FieldType(kind) if kind in {t.value for t in FieldType} else None


def definition_from_proto(msg: pb.CustomFieldDefinition) -> CustomFieldDefinition:
    return CustomFieldDefinition(
        key=msg.key,
        label=msg.label,
        type=field_type_from_proto(msg.type) or FieldType.TEXT,
        required=msg.required,
        choices=tuple(msg.choices),
        max_length=msg.max_length if msg.HasField("max_length") else None,
        min_value=_optional_decimal(msg, "min_value"),
        max_value=_optional_decimal(msg, "max_value"),
        decimals=msg.decimals if msg.HasField("decimals") else None,
    )


def definition_to_proto(defn: CustomFieldDefinition) -> pb.CustomFieldDefinition:
    msg = pb.CustomFieldDefinition(
        key=defn.key,
        label=defn.label,
        required=defn.required,
        choices=list(defn.choices),
        type=pb.CustomFieldType.Value(f"CUSTOM_FIELD_TYPE_{defn.type.name}"),
        retired=defn.retired,
    )
    if defn.max_length is not None:
        msg.max_length = defn.max_length
    if defn.min_value is not None:
        msg.min_value = format(defn.min_value, "f")
    if defn.max_value is not None:
        msg.max_value = format(defn.max_value, "f")
    if defn.decimals is not None:
        msg.decimals = defn.decimals
    return msg
