"""Chat robots and their messages as both stores keep them."""

from __future__ import annotations

from typing import Any

from notification.indexes import NEWEST
from notification.robots.domain import Robot, RobotMessage

Doc = dict[str, Any]
PAGE_ORDER = list(NEWEST)


def robot_doc(r: Robot) -> Doc:
    return {
        "_id": r.id,
        "name": r.name,
        "provider": r.provider,
        "url": r.url,
        "sealed_secret": r.sealed_secret,
        "kinds": list(r.kinds),
        "format": r.format,
        "enabled": r.enabled,
        "version": r.version,
        "created_at": r.created_at,
        "tokens": r.tokens,
        "tokens_at": r.tokens_at,
    }


def robot_of(d: Doc) -> Robot:
    return Robot(
        id=d["_id"],
        tenant_id=d["tenant_id"],
        name=d["name"],
        provider=d["provider"],
        url=d["url"],
        sealed_secret=d["sealed_secret"],
        kinds=tuple(d["kinds"]),
        format=d["format"],
        enabled=d["enabled"],
        version=d["version"],
        created_at=d["created_at"],
        tokens=d["tokens"],
        tokens_at=d.get("tokens_at"),
    )


def message_doc(m: RobotMessage) -> Doc:
    doc: Doc = {
        "_id": m.id,
        "robot_id": m.robot_id,
        "title": m.title,
        "text": m.text,
        "mobiles": list(m.mobiles),
        "kind": m.kind,
        "status": m.status,
        "created_at": m.created_at,
        "attempts": m.attempts,
        "reason": m.reason,
        "sent_at": m.sent_at,
        "digest_of": m.digest_of,
    }
    if m.next_attempt_at is not None:
        doc["next_attempt_at"] = m.next_attempt_at
    return doc


def message_of(d: Doc) -> RobotMessage:
    return RobotMessage(
        id=d["_id"],
        tenant_id=d["tenant_id"],
        robot_id=d["robot_id"],
        title=d["title"],
        text=d["text"],
        mobiles=tuple(d["mobiles"]),
        kind=d["kind"],
        status=d["status"],
        created_at=d["created_at"],
        next_attempt_at=d.get("next_attempt_at"),
        attempts=d["attempts"],
        reason=d["reason"],
        sent_at=d.get("sent_at"),
        digest_of=d["digest_of"],
    )
