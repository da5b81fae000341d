"""Email: a tenant's sender, each person's address, and the messages sent to them with
their status. Pure Python: composing a MIME message is the standard library's `email`
package, no I/O.

A message is queued in the transaction that puts the item in the inbox (so it is
deduplicated by event id with it), then sent by the worker over SMTP: retried on
transient failures (4xx, no connection) with backoff, failed with the server's reason
on a permanent one (5xx)."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from crm_runtime.errors import FieldViolation, ValidationFailed
from email_validator import EmailNotValidError, validate_email

from notification.domain.inbox import Notification

RETRY_DELAYS = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
)
MAX_NAME = 100


class Status:
    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"


@dataclass(frozen=True)
class EmailSettings:
    """A tenant's sender. `version` 0: never set (email off)."""

    tenant_id: str
    sender_address: str = ""
    sender_name: str = ""
    enabled: bool = False
    version: int = 0


@dataclass(frozen=True)
class EmailAddress:
    """Where a person wants their notifications: `channel` "email" (an address to mail)
    or "mobile" (the number chat robots @ them by). `version` 0: never set."""

    tenant_id: str
    user_id: str
    address: str = ""
    enabled: bool = False
    version: int = 0
    channel: str = "email"


@dataclass(frozen=True)
class Mail:
    id: str  # the event id and the recipient: one message per event and person
    tenant_id: str
    recipient_id: str
    to_address: str
    from_address: str
    from_name: str
    subject: str
    text: str
    source_event_id: str
    kind: str
    status: str
    created_at: datetime
    next_attempt_at: datetime | None
    attempts: int = 0
    reason: str = ""
    sent_at: datetime | None = None


def normalised_address(address: str, field: str) -> str:
    try:
        return str(validate_email(address, check_deliverability=False).normalized)
    except EmailNotValidError as exc:
        raise ValidationFailed([FieldViolation(field, str(exc))]) from exc


def change_settings(
    settings: EmailSettings, sender_address: str, sender_name: str, enabled: bool
) -> EmailSettings:
    bad = []
    if len(sender_name) > MAX_NAME:
        bad.append(FieldViolation("sender_name", f"must be at most {MAX_NAME} characters"))
    if any(c in sender_name for c in "\r\n"):
        bad.append(FieldViolation("sender_name", "must be one line"))
    if bad:
        raise ValidationFailed(bad)
    address = normalised_address(sender_address, "sender_address")
    return replace(
        settings, sender_address=address, sender_name=sender_name.strip(), enabled=enabled
    )


def change_address(current: EmailAddress, address: str, enabled: bool) -> EmailAddress:
    if current.channel == "mobile":
        return replace(current, address=normalised_mobile(address), enabled=enabled)
    return replace(current, address=normalised_address(address, "address"), enabled=enabled)


def normalised_mobile(mobile: str) -> str:
    cleaned = re.sub(r"[\s-]", "", mobile)
    if not re.fullmatch(r"\+?\d{6,15}", cleaned):
        raise ValidationFailed([FieldViolation("mobile", "6 to 15 digits, + first if any")])
    return cleaned


def mail_for(
    notification: Notification,
    settings: EmailSettings,
    address: EmailAddress | None,
    now: datetime,
) -> Mail | None:
    """The email of an inbox item, when the tenant sends email and the person asked."""
    if not settings.enabled or address is None or not address.enabled:
        return None
    return Mail(
        id=f"{notification.source_event_id}:{notification.recipient_id}",
        tenant_id=notification.tenant_id,
        recipient_id=notification.recipient_id,
        to_address=address.address,
        from_address=settings.sender_address,
        from_name=settings.sender_name,
        subject=notification.title,
        text=notification.body,
        source_event_id=notification.source_event_id,
        kind=notification.kind,
        status=Status.QUEUED,
        created_at=now,
        next_attempt_at=now,
    )


def compose(mail: Mail, now: datetime) -> EmailMessage:
    """A text and an HTML part; non-ASCII headers (Chinese subjects and names) encoded
    as RFC 2047 encoded-words by the standard library's SMTP policy."""
    message = EmailMessage()
    message["Subject"] = mail.subject
    message["From"] = Address(mail.from_name, addr_spec=mail.from_address)
    message["To"] = Address(addr_spec=mail.to_address)
    message["Date"] = format_datetime(now)
    message["Message-ID"] = make_msgid(domain=mail.from_address.rsplit("@", 1)[-1])
    message["X-CRM-Event-Id"] = mail.source_event_id
    message.set_content(f"{mail.subject}\n\n{mail.text}\n")
    message.add_alternative(
        "<!doctype html><html><body>"
        f"<h2>{html.escape(mail.subject)}</h2><p>{html.escape(mail.text)}</p>"
        "</body></html>",
        subtype="html",
    )
    return message


@dataclass(frozen=True)
class SendOutcome:
    """`code` is the SMTP reply code (0: no answer); `permanent` for 5xx."""

    sent: bool
    code: int = 0
    reason: str = ""

    @property
    def permanent(self) -> bool:
        return 500 <= self.code < 600


def after_send(mail: Mail, outcome: SendOutcome, now: datetime) -> Mail:
    attempts = mail.attempts + 1
    if outcome.sent:
        return replace(
            mail,
            status=Status.SENT,
            attempts=attempts,
            sent_at=now,
            next_attempt_at=None,
            reason="",
        )
    if outcome.permanent or attempts > len(RETRY_DELAYS):
        return replace(
            mail,
            status=Status.FAILED,
            attempts=attempts,
            next_attempt_at=None,
            reason=outcome.reason,
        )
    return replace(
        mail,
        attempts=attempts,
        reason=outcome.reason,
        next_attempt_at=now + RETRY_DELAYS[attempts - 1],
    )
