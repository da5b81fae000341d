"""Email settings, addresses and messages as both stores keep them."""

from __future__ import annotations

from typing import Any

from notification.email.domain import EmailAddress, EmailSettings, Mail
from notification.indexes import NEWEST

Doc = dict[str, Any]
PAGE_ORDER = list(NEWEST)


def settings_doc(s: EmailSettings) -> Doc:
    """One per tenant; ids are unique across tenants in the collection, so the tenant's."""
    return {
        "_id": s.tenant_id,
        "sender_address": s.sender_address,
        "sender_name": s.sender_name,
        "enabled": s.enabled,
    }


def settings_of(tenant_id: str, d: Doc | None) -> EmailSettings:
    if d is None:
        return EmailSettings(tenant_id)
    return EmailSettings(
        tenant_id, d["sender_address"], d["sender_name"], d["enabled"], d["version"]
    )


def address_id(tenant_id: str, user_id: str, channel: str = "email") -> str:
    base = f"{tenant_id}/{user_id}"
    return base if channel == "email" else f"{base}/{channel}"


def address_doc(a: EmailAddress) -> Doc:
    return {
        "_id": address_id(a.tenant_id, a.user_id, a.channel),
        "user_id": a.user_id,
        "address": a.address,
        "enabled": a.enabled,
    }


def address_of(tenant_id: str, user_id: str, d: Doc | None, channel: str = "email") -> EmailAddress:
    if d is None:
        return EmailAddress(tenant_id, user_id, channel=channel)
    return EmailAddress(tenant_id, user_id, d["address"], d["enabled"], d["version"], channel)


_MAIL_FIELDS = (
    "recipient_id",
    "to_address",
    "from_address",
    "from_name",
    "subject",
    "text",
    "source_event_id",
    "kind",
    "status",
    "created_at",
    "attempts",
    "reason",
    "sent_at",
)


def mail_doc(m: Mail) -> Doc:
    doc: Doc = {"_id": m.id, **{f: getattr(m, f) for f in _MAIL_FIELDS}}
    if m.next_attempt_at is not None:
        doc["next_attempt_at"] = m.next_attempt_at
    return doc


def mail_of(d: Doc) -> Mail:
    return Mail(
        id=d["_id"],
        tenant_id=d["tenant_id"],
        recipient_id=d["recipient_id"],
        to_address=d["to_address"],
        from_address=d["from_address"],
        from_name=d["from_name"],
        subject=d["subject"],
        text=d["text"],
        source_event_id=d["source_event_id"],
        kind=d["kind"],
        status=d["status"],
        created_at=d["created_at"],
        next_attempt_at=d.get("next_attempt_at"),
        attempts=d["attempts"],
        reason=d["reason"],
        sent_at=d.get("sent_at"),
    )
