"""How the read models are written as documents, for the Mongo store: money as
Decimal128, days as "YYYY-MM-DD" strings (ordered, range-queried), instants as UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from bson.decimal128 import Decimal128

from analytics.domain.deals import Deal, Dwell
from analytics.domain.leads import FollowUp, LeadFact
from analytics.domain.pipelines import Pipeline, Stage
from analytics.domain.receivables import Allocation, Receivable

Doc = dict[str, Any]


def _utc(value: datetime | None) -> datetime | None:
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def deal_doc(deal: Deal) -> Doc:
    return {
        "opportunity_id": deal.opportunity_id,
        "pipeline_id": deal.pipeline_id,
        "owner_id": deal.owner_id,
        "team_id": deal.team_id,
        "stage": deal.stage,
        "status": deal.status,
        "amount": Decimal128(deal.amount),
        "currency": deal.currency,
        "created_at": deal.created_at,
        "closed_on": deal.closed_on.isoformat() if deal.closed_on else None,
        "loss_reason": deal.loss_reason,
        "competitor": deal.competitor,
        "source": deal.source,
        "source_lead_id": deal.source_lead_id,
        "version": deal.version,
        "precedence": deal.precedence,
        "entered": list(deal.entered),
        "dwells": [
            {"stage": w.stage, "seconds": w.seconds, "event_id": w.event_id} for w in deal.dwells
        ],
        **_overdue_doc(deal.overdue),
    }


def deal_of(doc: Doc) -> Deal:
    amount = doc["amount"]
    return Deal(
        opportunity_id=doc["opportunity_id"],
        pipeline_id=doc["pipeline_id"],
        owner_id=doc["owner_id"],
        team_id=doc["team_id"],
        stage=doc["stage"],
        status=doc["status"],
        amount=amount.to_decimal() if isinstance(amount, Decimal128) else Decimal(amount),
        currency=doc["currency"],
        created_at=_utc(doc["created_at"]),
        closed_on=date.fromisoformat(doc["closed_on"]) if doc["closed_on"] else None,
        loss_reason=doc["loss_reason"],
        competitor=doc["competitor"],
        source=doc["source"],
        source_lead_id=doc["source_lead_id"],
        version=doc["version"],
        precedence=doc["precedence"],
        entered=tuple(doc["entered"]),
        dwells=tuple(Dwell(w["stage"], w["seconds"], w["event_id"]) for w in doc["dwells"]),
        overdue=_overdue_of(doc),
    )


def pipeline_doc(pipeline: Pipeline) -> Doc:
    return {
        "pipeline_id": pipeline.pipeline_id,
        "version": pipeline.version,
        "is_default": pipeline.is_default,
        "stages": [
            {"key": s.key, "name": s.name, "position": s.position, "kind": s.kind}
            for s in pipeline.stages
        ],
    }


def pipeline_of(doc: Doc) -> Pipeline:
    return Pipeline(
        doc["pipeline_id"],
        doc["version"],
        doc["is_default"],
        tuple(Stage(s["key"], s["name"], s["position"], s["kind"]) for s in doc["stages"]),
    )


def log_doc(envelope: Doc) -> Doc:
    return {
        "event_id": envelope["event_id"],
        "event_type": envelope["event_type"],
        "aggregate_version": int(envelope.get("aggregate_version") or 0),
        "occurred_at": envelope["occurred_at"],
        "payload": envelope.get("payload") or {},
        "logged_at": datetime.now(UTC),
    }


def envelope_of(doc: Doc, tenant_id: str) -> Doc:
    return {
        "event_id": doc["event_id"],
        "tenant_id": tenant_id,
        "event_type": doc["event_type"],
        "aggregate_version": doc["aggregate_version"],
        "occurred_at": doc["occurred_at"],
        "payload": doc["payload"],
    }


def _overdue_doc(overdue: tuple[tuple[datetime, str], ...]) -> Doc:
    return {
        "overdue": [{"due_at": at, "owner_id": owner} for at, owner in overdue],
        "overdue_days": sorted({at.date().isoformat() for at, _ in overdue}),
    }


def _overdue_of(doc: Doc) -> tuple[tuple[datetime, str], ...]:
    return tuple((_at(o["due_at"]), o["owner_id"]) for o in doc.get("overdue", []))


def lead_doc(lead: LeadFact) -> Doc:
    return {
        "lead_id": lead.lead_id,
        "source": lead.source,
        "created_at": lead.created_at,
        "created_on": lead.created_at.date().isoformat() if lead.created_at else None,
        "owner_id": lead.owner_id,
        "team_id": lead.team_id,
        "owner_version": lead.owner_version,
        "first_due_at": lead.first_due_at,
        "opportunity_id": lead.opportunity_id,
        "follow_ups": [
            {"at": f.at, "follow_up_id": f.follow_up_id, "kind": f.kind, "owner_id": f.owner_id}
            for f in lead.follow_ups
        ],
        "follow_up_days": sorted({f.at.date().isoformat() for f in lead.follow_ups}),
        **_overdue_doc(lead.overdue),
    }


def lead_of(doc: Doc) -> LeadFact:
    return LeadFact(
        lead_id=doc["lead_id"],
        source=doc["source"],
        created_at=_utc(doc["created_at"]),
        owner_id=doc["owner_id"],
        team_id=doc["team_id"],
        owner_version=doc["owner_version"],
        first_due_at=_utc(doc["first_due_at"]),
        opportunity_id=doc["opportunity_id"],
        follow_ups=tuple(
            FollowUp(_at(f["at"]), f["follow_up_id"], f["kind"], f["owner_id"])
            for f in doc["follow_ups"]
        ),
        overdue=_overdue_of(doc),
    )


def _at(value: datetime) -> datetime:
    found = _utc(value)
    assert found is not None
    return found


def _decimal(value: Any) -> Decimal:
    return value.to_decimal() if isinstance(value, Decimal128) else Decimal(value)


def receivable_doc(r: Receivable) -> Doc:
    return {
        "receivable_id": r.receivable_id,
        "plan_id": r.plan_id,
        "contract_id": r.contract_id,
        "contract_number": r.contract_number,
        "account_id": r.account_id,
        "owner_id": r.owner_id,
        "team_id": r.team_id,
        "amount": Decimal128(r.amount),
        "currency": r.currency,
        "due_on": r.due_on.isoformat() if r.due_on else None,
        "allocations": [
            {
                "allocation_id": a.allocation_id,
                "amount": Decimal128(a.amount),
                "received_on": a.received_on.isoformat() if a.received_on else None,
            }
            for a in r.allocations
        ],
        "released": list(r.released),
        "replaced": r.replaced,
    }


def receivable_of(doc: Doc) -> Receivable:
    return Receivable(
        receivable_id=doc["receivable_id"],
        plan_id=doc["plan_id"],
        contract_id=doc["contract_id"],
        contract_number=doc["contract_number"],
        account_id=doc["account_id"],
        owner_id=doc["owner_id"],
        team_id=doc["team_id"],
        amount=_decimal(doc["amount"]),
        currency=doc["currency"],
        due_on=date.fromisoformat(doc["due_on"]) if doc["due_on"] else None,
        allocations=tuple(
            Allocation(
                a["allocation_id"],
                _decimal(a["amount"]),
                date.fromisoformat(a["received_on"]) if a.get("received_on") else None,
            )
            for a in doc["allocations"]
        ),
        released=tuple(doc["released"]),
        replaced=doc["replaced"],
    )
