"""Email settings, addresses and messages: domain -> proto."""

from __future__ import annotations

from crm.notification.v1 import notification_pb2 as pb
from crm_runtime.rpc.protojson import timestamp

from notification.email.domain import EmailAddress, EmailSettings, Mail


def settings_to_proto(s: EmailSettings) -> pb.EmailSettings:
    return pb.EmailSettings(
        sender_address=s.sender_address,
        sender_name=s.sender_name,
        enabled=s.enabled,
        version=s.version,
    )


def address_to_proto(a: EmailAddress) -> pb.EmailAddress:
    return pb.EmailAddress(address=a.address, enabled=a.enabled, version=a.version)


def mail_to_proto(m: Mail) -> pb.EmailMessage:
    return pb.EmailMessage(
        id=m.id,
        recipient_id=m.recipient_id,
        to_address=m.to_address,
        subject=m.subject,
        kind=m.kind,
        source_event_id=m.source_event_id,
        status=m.status,
        attempts=m.attempts,
        reason=m.reason,
        created_at=timestamp(m.created_at),
        sent_at=timestamp(m.sent_at),
        next_attempt_at=timestamp(m.next_attempt_at),
    )
