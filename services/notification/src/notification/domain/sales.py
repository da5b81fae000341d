"""In-app notifications about deals and accounts (the opportunity service's events):
who is told what. Pure Python."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from notification.domain.inbox import Notification


def _about(
    envelope: dict[str, Any],
    recipient: str,
    kind: str,
    title: str,
    body: str,
    subject: tuple[str, str],
    nid: str,
    now: datetime,
) -> Notification | None:
    if not recipient:
        return None
    return Notification(
        id=nid,
        tenant_id=envelope["tenant_id"],
        recipient_id=recipient,
        kind=kind,
        title=title,
        body=body,
        subject_type=subject[0],
        subject_id=subject[1],
        source_event_id=envelope["event_id"],
        created_at=now,
    )


def for_cadence_overdue(envelope: dict[str, Any], nid: str, now: datetime) -> Notification | None:
    """Remind the deal's owner that the follow-up cadence has lapsed."""
    p = envelope["payload"]
    body = f"阶段：{p.get('stage', '')}；跟进周期 {p.get('cadence_days', 0)} 天，请尽快跟进"
    return _about(
        envelope,
        p.get("owner_id", ""),
        "opportunity.cadence_overdue",
        f"商机跟进已逾期：{p.get('name', '')}",
        body,
        ("opportunity", p["opportunity_id"]),
        nid,
        now,
    )


def for_stage_approval_decided(
    envelope: dict[str, Any], nid: str, now: datetime
) -> Notification | None:
    """Tell whoever asked for the stage change what the approver decided, and why."""
    p = envelope["payload"]
    verdict = {"approved": "已批准", "rejected": "已驳回", "cancelled": "已取消"}.get(
        p.get("decision", ""), ""
    )
    body = f"{p.get('from_stage', '')} → {p.get('to_stage', '')}；原因：{p.get('reason') or '—'}"
    return _about(
        envelope,
        p.get("requested_by", ""),
        "opportunity.stage_approval_decided",
        f"阶段变更审批{verdict}：{p.get('opportunity_name', '')}",
        body,
        ("opportunity", p["opportunity_id"]),
        nid,
        now,
    )


def for_account_dormant(envelope: dict[str, Any], nid: str, now: datetime) -> Notification | None:
    """Tell the account's owner it has had no activity for the dormancy period."""
    p = envelope["payload"]
    body = f"已 {p.get('inactive_days', 0)} 天无跟进，客户已标记为沉睡"
    return _about(
        envelope,
        p.get("owner_id", ""),
        "account.dormant",
        f"客户沉睡：{p.get('name', '')}",
        body,
        ("account", p["account_id"]),
        nid,
        now,
    )


def for_quote_approval_decided(
    envelope: dict[str, Any], nid: str, now: datetime
) -> Notification | None:
    """Tell whoever asked to issue the quote (or, unknown, its owner) whether the
    discount was approved, and why."""
    p = envelope["payload"]
    verdict = {"approved": "已批准", "rejected": "已驳回"}.get(p.get("decision", ""), "")
    body = f"报价版本 {p.get('quote_version', '')}；原因：{p.get('reason') or '—'}"
    return _about(
        envelope,
        p.get("requested_by") or p.get("owner_id", ""),
        "quote.approval_decided",
        f"报价折扣审批{verdict}",
        body,
        ("quote", p["quote_id"]),
        nid,
        now,
    )


SALES_BY_EVENT = {
    "OpportunityCadenceOverdue": for_cadence_overdue,
    "StageApprovalDecided": for_stage_approval_decided,
    "AccountDormant": for_account_dormant,
    "QuoteApprovalDecided": for_quote_approval_decided,
}
