"""Plans and receivables as MongoDB documents and back (no I/O). A receivable carries
its contract's fields flat, so that lists filter on them through indexes."""

from __future__ import annotations

from datetime import date
from typing import Any

from bson.decimal128 import Decimal128
from crm_runtime.storage.mongo import Doc
from crm_runtime.storage.repository import decimal128

from payment.documents import money_from_doc, money_to_doc
from payment.plans.domain.model import (
    ContractRef,
    DueRule,
    PaymentPlan,
    PlanSource,
    Receivable,
    ReceivableStatus,
)
from payment.plans.domain.receivables import next_check_at


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def contract_to_doc(c: ContractRef) -> Doc:
    return {
        "contract_id": c.contract_id,
        "contract_number": c.contract_number,
        "contract_document_version": c.document_version,
        "account_id": c.account_id,
        "account_name": c.account_name,
        "owner_id": c.owner_id,
        "team_id": c.team_id,
        "contract_value": money_to_doc(c.value),
        "signed_date": c.signed_date.isoformat(),
    }


def contract_from_doc(doc: Doc) -> ContractRef:
    return ContractRef(
        contract_id=doc["contract_id"],
        contract_number=doc["contract_number"],
        document_version=doc["contract_document_version"],
        account_id=doc["account_id"],
        account_name=doc["account_name"],
        owner_id=doc["owner_id"],
        team_id=doc["team_id"],
        value=money_from_doc(doc["contract_value"]),
        signed_date=date.fromisoformat(doc["signed_date"]),
    )


def receivable_to_doc(r: Receivable) -> Doc:
    """Dates as "YYYY-MM-DD" strings: they sort as dates, and a calendar day has no zone."""
    return {
        "_id": r.id,
        "plan_id": r.plan_id,
        **contract_to_doc(r.contract),
        "sequence": r.sequence,
        "label": r.label,
        "reference": r.reference,
        "amount": money_to_doc(r.amount),
        "paid": money_to_doc(r.paid),
        "outstanding": money_to_doc(r.outstanding),
        "due_rule": r.due_rule.value,
        "due_days": r.due_days,
        "milestone": r.milestone,
        "percent": decimal128(r.percent) if r.percent is not None else None,
        "due_date": _day(r.due_date),
        "milestone_reached": _day(r.milestone_reached),
        "status": r.status.value,
        "write_off_reason": r.write_off_reason,
        "written_off_by": r.written_off_by,
        "dispute_reason": r.dispute_reason,
        "next_check_at": next_check_at(r),  # the timer's queue (indexes.RECEIVABLES_DUE)
        "created_at": r.created_at,
        "updated_at": r.updated_at,
        "version": r.version,
    }


def receivable_from_doc(doc: Doc) -> Receivable:
    percent: Any = doc.get("percent")
    return Receivable(
        id=doc["_id"],
        tenant_id=doc["tenant_id"],
        plan_id=doc["plan_id"],
        contract=contract_from_doc(doc),
        sequence=doc["sequence"],
        label=doc["label"],
        amount=money_from_doc(doc["amount"]),
        paid=money_from_doc(doc["paid"]),
        due_rule=DueRule(doc["due_rule"]),
        due_days=doc["due_days"],
        milestone=doc["milestone"],
        percent=percent.to_decimal() if isinstance(percent, Decimal128) else percent,
        due_date=_date(doc.get("due_date")),
        milestone_reached=_date(doc.get("milestone_reached")),
        status=ReceivableStatus(doc["status"]),
        created_at=doc["created_at"],
        updated_at=doc["updated_at"],
        version=doc["version"],
        write_off_reason=doc.get("write_off_reason", ""),
        written_off_by=doc.get("written_off_by", ""),
        dispute_reason=doc.get("dispute_reason", ""),
    )


def plan_to_doc(plan: PaymentPlan) -> Doc:
    return {
        "_id": plan.id,
        **contract_to_doc(plan.contract),
        "source": plan.source.value,
        "active": plan.active,
        "replaces_plan_id": plan.replaces_plan_id,
        "receivable_ids": [r.id for r in plan.receivables],
        "created_by": plan.created_by,
        "created_at": plan.created_at,
        "updated_at": plan.updated_at,
        "version": plan.version,
    }


def plan_from_doc(doc: Doc, receivables: list[Doc]) -> PaymentPlan:
    return PaymentPlan(
        id=doc["_id"],
        tenant_id=doc["tenant_id"],
        contract=contract_from_doc(doc),
        source=PlanSource(doc["source"]),
        receivables=tuple(
            receivable_from_doc(d) for d in sorted(receivables, key=lambda d: d["sequence"])
        ),
        created_by=doc["created_by"],
        created_at=doc["created_at"],
        updated_at=doc["updated_at"],
        active=doc["active"],
        replaces_plan_id=doc.get("replaces_plan_id", ""),
        version=doc["version"],
    )
