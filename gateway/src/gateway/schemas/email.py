"""Email: the tenant's sender, the caller's address, and the messages sent."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from crm.notification.v1 import notification_pb2 as pb
from pydantic import BaseModel, ConfigDict, Field

from gateway.conventions.bodies import RequestBody
from gateway.schemas.mapping import from_proto


class EmailSettingsIn(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"sender_address": "crm@yuntu.cn", "sender_name": "云图销售助手", "enabled": True}
            ]
        }
    )

    sender_address: str = Field(min_length=3, max_length=254)
    sender_name: str = Field("", max_length=100, description="shown as the From name")
    enabled: bool = Field(True, description="false: nobody of the tenant is mailed")


class EmailSettingsOut(BaseModel):
    sender_address: str
    sender_name: str
    enabled: bool
    version: int = Field(description="0: never set (email is off)")


class EmailAddressIn(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"address": "lilei@yuntu.cn", "enabled": True}]}
    )

    address: str = Field(min_length=3, max_length=254)
    enabled: bool = Field(True, description="false: keep the address, send nothing")


class EmailAddressOut(BaseModel):
    address: str
    enabled: bool
    version: int = Field(description="0: never set")


class EmailMessageOut(BaseModel):
    id: str
    recipient_id: str
    to_address: str
    subject: str
    kind: str
    source_event_id: str
    status: Literal["queued", "sent", "failed"]
    attempts: int
    reason: str = Field(description="the last failure, the SMTP server's reply when it gave one")
    created_at: datetime
    sent_at: datetime | None
    next_attempt_at: datetime | None


class EmailMessagePage(BaseModel):
    items: list[EmailMessageOut]
    next_cursor: str


def settings_out(settings: pb.EmailSettings) -> EmailSettingsOut:
    return from_proto(EmailSettingsOut, settings)


def address_out(address: pb.EmailAddress) -> EmailAddressOut:
    return from_proto(EmailAddressOut, address)


def message_out(message: pb.EmailMessage) -> EmailMessageOut:
    return from_proto(EmailMessageOut, message)
