"""Approvals as MongoDB documents and back (no I/O)."""

from __future__ import annotations

from crm_runtime.storage.mongo import Doc

from opportunity.approvals.domain import Approval, ApprovalKind, ApprovalStatus
from opportunity.documents import money_from_doc, money_to_doc

_APPROVAL_PLAIN = (
    "opportunity_id",
    "opportunity_name",
    "account_id",
    "owner_id",
    "team_id",
    "from_stage",
    "to_stage",
    "quote_id",
    "quote_version",
    "discount_percent",
    "threshold_percent",
    "approver_role",
    "requested_by",
    "requested_at",
    "note",
    "decided_by",
    "decided_at",
    "reason",
    "decision_key",
    "updated_at",
)


def approval_to_doc(approval: Approval) -> Doc:
    doc: Doc = {
        "_id": approval.id,
        "version": approval.version,
        "kind": approval.kind.value,
        "status": approval.status.value,
    }
    doc.update({name: getattr(approval, name) for name in _APPROVAL_PLAIN})
    doc["amount"] = money_to_doc(approval.amount)
    doc["threshold"] = money_to_doc(approval.threshold)
    return doc


def approval_from_doc(doc: Doc) -> Approval:
    plain = {name: doc[name] for name in _APPROVAL_PLAIN if name in doc}
    return Approval(
        id=doc["_id"],
        tenant_id=doc["tenant_id"],
        version=doc["version"],
        kind=ApprovalKind(doc["kind"]),
        status=ApprovalStatus(doc["status"]),
        amount=money_from_doc(doc.get("amount")),
        threshold=money_from_doc(doc.get("threshold")),
        **plain,
    )
