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


def for_lead_created(
    envelope: dict[str, Any], notification_id: str, now: datetime
) -> Notification | None:
    """Tell the lead's owner (or, with no owner, whoever created it) that it arrived."""
    payload = envelope["payload"]
    recipient = payload.get("owner_id") or payload.get("created_by")
    if not recipient:
        return None
    source = SOURCE_LABELS.get(payload.get("source", ""), payload.get("source", ""))
    company = payload.get("company") or "—"
    return Notification(
        id=notification_id,
        tenant_id=envelope["tenant_id"],
        recipient_id=recipient,
        kind="lead.created",
        title=f"新线索：{payload.get('name', '')}",
        body=f"公司：{company}；来源：{source}",
        subject_type="lead",
        subject_id=payload["lead_id"],
        source_event_id=envelope["event_id"],
        created_at=now,
    )
