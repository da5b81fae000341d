"""In-app notifications: which event tells whom what. Pure Python."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

SOURCE_LABELS = {
    "web": "官网表单",
    "wechat": "微信公众号",
    "trade_show": "展会",
    "third_party": "第三方平台",
    "referral": "客户推荐",
    "phone": "电话咨询",
    "import": "导入",
    "api": "API",
}


@dataclass(frozen=True)
class Notification:
    id: str
    tenant_id: str
    recipient_id: str
    kind: str
    title: str
    body: str
    subject_type: str
    subject_id: str
    source_event_id: str
    created_at: datetime
    read: bool = False


def _about_lead(
    envelope: dict[str, Any],
    recipient: str,
    kind: str,
    title: str,
    body: str,
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
        subject_type="lead",
        subject_id=envelope["payload"]["lead_id"],
        source_event_id=envelope["event_id"],
        created_at=now,
    )


def for_lead_created(envelope: dict[str, Any], nid: str, now: datetime) -> Notification | None:
    """Tell the lead's owner (or, with no owner, whoever created it) that it arrived."""
    p = envelope["payload"]
    source = SOURCE_LABELS.get(p.get("source", ""), p.get("source", ""))
    body = f"公司：{p.get('company') or '—'}；来源：{source}"
    recipient = p.get("owner_id") or p.get("created_by", "")
    return _about_lead(
        envelope, recipient, "lead.created", f"新线索：{p.get('name', '')}", body, nid, now
    )


def for_lead_assigned(envelope: dict[str, Any], nid: str, now: datetime) -> Notification | None:
    """Tell the new owner, with the reason the rule or the manager gave."""
    p = envelope["payload"]
    body = f"分配原因：{p.get('reason') or '—'}；请在首次跟进期限前联系客户"
    return _about_lead(
        envelope, p.get("owner_id", ""), "lead.assigned", "有线索分配给你", body, nid, now
    )


def for_lead_sla_breached(envelope: dict[str, Any], nid: str, now: datetime) -> Notification | None:
    """Warn the owner at the deadline, and the manager one period later."""
    p = envelope["payload"]
    if p.get("level") == "manager":
        recipient, title = p.get("manager_id", ""), "下属线索跟进超时"
        body = f"负责人 {p.get('owner_id', '')} 未按时完成首次跟进"
    else:
        recipient, title = p.get("owner_id", ""), "线索跟进已超时"
        body = "该线索未在期限内完成跟进，请尽快联系客户"
    return _about_lead(envelope, recipient, "lead.sla_breached", title, body, nid, now)


def for_lead_follow_up_due(
    envelope: dict[str, Any], nid: str, now: datetime
) -> Notification | None:
    """Remind the owner that the lead's next follow-up (the cadence) is overdue."""
    p = envelope["payload"]
    body = "距上次跟进已超过跟进周期，请安排下一次跟进"
    return _about_lead(
        envelope, p.get("owner_id", ""), "lead.follow_up_due", "线索待跟进提醒", body, nid, now
    )


def for_lead_recycled(envelope: dict[str, Any], nid: str, now: datetime) -> Notification | None:
    """Tell the previous owner why their lead went back to the public pool."""
    p = envelope["payload"]
    body = f"原因：{p.get('reason') or '—'}"
    return _about_lead(
        envelope,
        p.get("previous_owner_id", ""),
        "lead.recycled",
        "线索已回收至公海",
        body,
        nid,
        now,
    )


BY_EVENT = {
    "LeadCreated": for_lead_created,
    "LeadAssigned": for_lead_assigned,
    "LeadSlaBreached": for_lead_sla_breached,
    "LeadFollowUpDue": for_lead_follow_up_due,
    "LeadRecycled": for_lead_recycled,
}
