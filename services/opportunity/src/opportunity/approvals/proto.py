"""Protobuf messages of crm.opportunity.v1 for approvals (no behaviour)."""

from __future__ import annotations

from crm.opportunity.v1 import opportunity_pb2 as pb
from crm_runtime.rpc.protojson import timestamp

from opportunity.approvals.domain import Approval
from opportunity.proto import (
    enum_value,
    money_to_proto,
)

APPROVAL_KIND, APPROVAL_STATUS = "APPROVAL_KIND_", "APPROVAL_STATUS_"


def approval_to_proto(a: Approval) -> pb.Approval:
    return pb.Approval(
        id=a.id,
        kind=enum_value(pb.ApprovalKind, APPROVAL_KIND, a.kind.value),
        status=enum_value(pb.ApprovalStatus, APPROVAL_STATUS, a.status.value),
        opportunity_id=a.opportunity_id,
        opportunity_name=a.opportunity_name,
        account_id=a.account_id,
        owner_id=a.owner_id,
        from_stage=a.from_stage,
        to_stage=a.to_stage,
        quote_id=a.quote_id,
        quote_version=a.quote_version,
        discount_percent=a.discount_percent,
        amount=money_to_proto(a.amount),
        threshold=money_to_proto(a.threshold),
        approver_role=a.approver_role,
        requested_by=a.requested_by,
        requested_at=timestamp(a.requested_at),
        note=a.note,
        decided_by=a.decided_by,
        decided_at=timestamp(a.decided_at),
        reason=a.reason,
        threshold_percent=a.threshold_percent,
    )
