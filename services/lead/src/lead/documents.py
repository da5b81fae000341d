"""Leads, follow-ups and reps as MongoDB documents and back. Plain mapping, no I/O:
store modules use it; nothing else needs to know the document shape."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from bson.decimal128 import Decimal128

from lead.domain.assignment import Rep
from lead.domain.custom_fields import CustomFieldDefinition, CustomValue, FieldType, Value
from lead.domain.followups import FollowUp, FollowUpKind
from lead.domain.lead import Lead, LeadStatus, PoolRelease, ScoreReason
from lead.domain.search import lead_tokens

Doc = dict[str, Any]

_PLAIN = (
    "name",
    "company",
    "company_key",
    "phone",
    "email",
    "source",
    "owner_id",
    "owner_team_id",
    "region",
    "industry",
    "product_line",
    "notes",
    "score",
    "score_band",
    "created_by",
    "created_at",
    "updated_at",
    "assignment_rule",
    "assignment_reason",
    "owned_since",
    "last_follow_up_at",
    "disqualify_reason",
    "duplicate_of",
    "merged_into",
    "account_id",
    "contact_id",
    "opportunity_id",
    "channel_detail",
)


def lead_to_doc(lead: Lead) -> Doc:
    doc: Doc = {"_id": lead.id, "status": lead.status.value, "version": lead.version}
    doc.update({name: getattr(lead, name) for name in _PLAIN})
    doc["tags"] = list(lead.tags)
    doc["merged_ids"] = list(lead.merged_ids)
    doc["sla_sent"] = list(lead.sla_sent)
    doc["score_reasons"] = [
        {"rule": r.rule, "points": r.points, "explanation": r.explanation}
        for r in lead.score_reasons
    ]
    doc["pool_releases"] = [{"rep_id": p.rep_id, "at": p.at} for p in lead.pool_releases]
    doc["search_tokens"] = lead_tokens(lead.name, lead.company, lead.phone)
    doc["custom_fields"] = [custom_value_to_doc(v) for v in lead.custom_fields]
    return doc


def lead_from_doc(doc: Doc) -> Lead:
    plain = {name: doc[name] for name in _PLAIN if name in doc}
    return Lead(
        id=doc["_id"],
        tenant_id=doc["tenant_id"],
        status=LeadStatus(doc["status"]),
        version=doc["version"],
        tags=tuple(doc.get("tags", ())),
        merged_ids=tuple(doc.get("merged_ids", ())),
        sla_sent=tuple(doc.get("sla_sent", ())),
        score_reasons=tuple(ScoreReason(**r) for r in doc.get("score_reasons", ())),
        pool_releases=tuple(PoolRelease(**p) for p in doc.get("pool_releases", ())),
        custom_fields=tuple(custom_value_from_doc(v) for v in doc.get("custom_fields", ())),
        **plain,
    )


# Custom values are stored typed, with their type: numbers as Decimal128, dates as a
# BSON date at midnight UTC (so both sort and range-query as what they are).


def _stored(value: Value) -> Any:
    if isinstance(value, Decimal):
        return Decimal128(value)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    return value


def custom_value_to_doc(value: CustomValue) -> Doc:
    return {"key": value.key, "type": value.type.value, "value": _stored(value.value)}


def custom_value_from_doc(doc: Doc) -> CustomValue:
    kind, raw = FieldType(doc["type"]), doc["value"]
    value: Value
    if kind is FieldType.NUMBER:
        value = raw.to_decimal() if isinstance(raw, Decimal128) else Decimal(str(raw))
    elif kind is FieldType.DATE:
        value = raw.date() if isinstance(raw, datetime) else date.fromisoformat(str(raw))
    else:
        value = str(raw)
    return CustomValue(doc["key"], kind, value)


def definition_to_doc(defn: CustomFieldDefinition) -> Doc:
    return {
        "key": defn.key,
        "label": defn.label,
        "type": defn.type.value,
        "required": defn.required,
        "choices": list(defn.choices),
        "max_length": defn.max_length,
        "min_value": None if defn.min_value is None else Decimal128(defn.min_value),
        "max_value": None if defn.max_value is None else Decimal128(defn.max_value),
        "decimals": defn.decimals,
        "retired": defn.retired,
    }


def _decimal(raw: Any) -> Decimal | None:
    return raw.to_decimal() if isinstance(raw, Decimal128) else None


def definition_from_doc(doc: Doc) -> CustomFieldDefinition:
    return CustomFieldDefinition(
        key=doc["key"],
        label=doc["label"],
        type=FieldType(doc["type"]),
        required=doc.get("required", False),
        choices=tuple(doc.get("choices", ())),
        max_length=doc.get("max_length"),
        min_value=_decimal(doc.get("min_value")),
        max_value=_decimal(doc.get("max_value")),
        decimals=doc.get("decimals"),
        retired=doc.get("retired", False),
    )


def follow_up_to_doc(follow_up: FollowUp) -> Doc:
    return {
        "_id": follow_up.id,
        "lead_id": follow_up.lead_id,
        "kind": follow_up.kind.value,
        "notes": follow_up.notes,
        "next_step": follow_up.next_step,
        "next_step_at": follow_up.next_step_at,
        "by_user_id": follow_up.by_user_id,
        "at": follow_up.at,
    }


def follow_up_from_doc(doc: Doc) -> FollowUp:
    return FollowUp(
        id=doc["_id"],
        lead_id=doc["lead_id"],
        kind=FollowUpKind(doc["kind"]),
        notes=doc["notes"],
        next_step=doc["next_step"],
        next_step_at=doc.get("next_step_at"),
        by_user_id=doc["by_user_id"],
        at=doc["at"],
    )


def rep_to_doc(rep: Rep, manager_id: str) -> Doc:
    return {
        "_id": rep.id,
        "name": rep.name,
        "team_id": rep.team_id,
        "manager_id": manager_id,
        "groups": sorted(rep.groups),
        "skills": sorted(rep.skills),
        "senior": rep.senior,
        "active": rep.active,
        "away": rep.away,
        "capacity": rep.capacity,
    }


def rep_from_doc(doc: Doc) -> Rep:
    return Rep(
        id=doc["_id"],
        name=doc.get("name", ""),
        team_id=doc.get("team_id", ""),
        groups=frozenset(doc.get("groups", ())),
        skills=frozenset(doc.get("skills", ())),
        senior=doc.get("senior", False),
        active=doc.get("active", True),
        away=doc.get("away", False),
        open_leads=doc.get("open_leads", 0),
        capacity=doc.get("capacity"),
    )
