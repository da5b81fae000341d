"""Opportunities and their stage changes as MongoDB documents and back (no I/O)."""

from __future__ import annotations

from decimal import Decimal

from crm_runtime.storage.mongo import Doc
from crm_runtime.storage.repository import decimal128

from opportunity.documents import customs_from_doc, customs_to_doc, money_from_doc, money_to_doc
from opportunity.domain.history import StageChange
from opportunity.domain.line_items import LineItem
from opportunity.domain.opportunity import Artefact, Opportunity, Status
from opportunity.domain.text import search_tokens

NO_AMOUNT = Decimal(-1)
_DEAL_PLAIN = (
    "name",
    "account_id",
    "account_name",
    "owner_id",
    "team_id",
    "pipeline_id",
    "pipeline_version",
    "stage",
    "stage_entered_at",
    "probability",
    "primary_contact_id",
    "expected_close_date",
    "closed_date",
    "closed_from_stage",
    "won_quote_id",
    "loss_reason",
    "competitor",
    "pending_approval_id",
    "source_lead_id",
    "source",
    "description",
    "next_step",
    "forecast_category",
    "last_activity_at",
    "next_follow_up_due_at",
    "cadence_reminded_at",
    "created_by",
    "created_at",
    "updated_at",
)


def opportunity_to_doc(opp: Opportunity) -> Doc:
    doc: Doc = {"_id": opp.id, "version": opp.version, "status": opp.status.value}
    doc.update({name: getattr(opp, name) for name in _DEAL_PLAIN})
    doc["amount"] = money_to_doc(opp.amount)
    # Top-level copies for indexes: sort and filter on the number, filter on currency.
    # No amount sorts below every amount (-1: amounts are never negative).
    doc["amount_value"] = decimal128(opp.amount.amount if opp.amount else NO_AMOUNT)
    doc["currency"] = opp.amount.currency if opp.amount else ""
    # The date lists filter on: the actual close date once closed, else the expected one.
    doc["close_date"] = opp.closed_date or opp.expected_close_date
    for name in ("contact_ids", "tags", "competitors"):
        doc[name] = list(getattr(opp, name))
    doc["artefacts"] = [
        {
            "id": a.id,
            "kind": a.kind,
            "name": a.name,
            "file_uri": a.file_uri,
            "stage": a.stage,
            "uploaded_by": a.uploaded_by,
            "uploaded_at": a.uploaded_at,
        }
        for a in opp.artefacts
    ]
    doc["line_items"] = [
        {
            "product_code": i.product_code,
            "name": i.name,
            "quantity": decimal128(i.quantity),
            "unit_price": money_to_doc(i.unit_price),
        }
        for i in opp.line_items
    ]
    doc["custom_fields"] = customs_to_doc(opp.custom_fields)
    doc["search_tokens"] = search_tokens(opp.name, opp.account_name)
    return doc


def _line(doc: Doc) -> LineItem:
    price = money_from_doc(doc["unit_price"])
    assert price is not None
    quantity: Decimal = doc["quantity"].to_decimal()
    return LineItem(doc["product_code"], doc["name"], quantity, price)


def opportunity_from_doc(doc: Doc) -> Opportunity:
    plain = {name: doc[name] for name in _DEAL_PLAIN if name in doc}
    return Opportunity(
        id=doc["_id"],
        tenant_id=doc["tenant_id"],
        version=doc["version"],
        status=Status(doc["status"]),
        amount=money_from_doc(doc.get("amount")),
        contact_ids=tuple(doc.get("contact_ids", ())),
        tags=tuple(doc.get("tags", ())),
        competitors=tuple(doc.get("competitors", ())),
        artefacts=tuple(Artefact(**a) for a in doc.get("artefacts", ())),
        line_items=tuple(_line(i) for i in doc.get("line_items", ())),
        custom_fields=customs_from_doc(doc.get("custom_fields", [])),
        **plain,
    )


def stage_change_to_doc(change: StageChange) -> Doc:
    return {
        "_id": change.id,
        "opportunity_id": change.opportunity_id,
        "seq": change.seq,
        "from_stage": change.from_stage,
        "to_stage": change.to_stage,
        "probability": change.probability,
        "amount": money_to_doc(change.amount),
        "actor_id": change.actor_id,
        "at": change.at,
        "dwell_seconds": change.dwell_seconds,
        "approval_id": change.approval_id,
        "note": change.note,
    }


def stage_change_from_doc(doc: Doc) -> StageChange:
    return StageChange(
        opportunity_id=doc["opportunity_id"],
        seq=doc["seq"],
        from_stage=doc["from_stage"],
        to_stage=doc["to_stage"],
        probability=doc["probability"],
        amount=money_from_doc(doc.get("amount")),
        actor_id=doc["actor_id"],
        at=doc["at"],
        dwell_seconds=doc["dwell_seconds"],
        approval_id=doc.get("approval_id", ""),
        note=doc.get("note", ""),
    )
