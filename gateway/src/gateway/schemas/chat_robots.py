"""A tenant's group chat robots (DingTalk custom robot), their message log, and the
caller's mobile they @ them by."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from crm.notification.v1 import notification_pb2 as pb
from pydantic import BaseModel, ConfigDict, Field

from gateway.conventions.bodies import RequestBody
from gateway.schemas.mapping import from_proto

Kinds = Annotated[
    list[Annotated[str, Field(min_length=1, max_length=64)]],
    Field(min_length=1, max_length=20, description="notification kinds, e.g. lead.sla_breached"),
]
Url = Annotated[
    str,
    Field(min_length=1, max_length=2048, description="the robot's https webhook URL"),
]
Secret = Annotated[
    str,
    Field(
        min_length=3,
        max_length=200,
        pattern=r"^SEC",
        description="the robot's SEC... signing secret (加签); never read back",
    ),
]
Format = Literal["markdown", "text"]


class ChatRobotIn(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "华东销售群",
                    "url": "https://oapi.dingtalk.com/robot/send?access_token=…",
                    "secret": "SEC…",
                    "kinds": ["lead.sla_breached", "lead.assigned"],
                }
            ]
        }
    )

    name: str = Field(min_length=1, max_length=100)
    provider: Literal["dingtalk"] = "dingtalk"
    url: Url
    secret: Secret
    kinds: Kinds
    format: Format = "markdown"
    enabled: bool = True


class ChatRobotPatch(RequestBody):
    """Only the fields given change."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"enabled": False}]})

    name: str | None = Field(None, min_length=1, max_length=100)
    url: Url | None = None
    secret: Secret | None = None
    kinds: Kinds | None = None
    format: Format | None = None
    enabled: bool | None = None


class ChatRobotOut(BaseModel):
    id: str
    name: str
    provider: str
    url: str
    kinds: list[str]
    format: str
    enabled: bool
    version: int
    created_at: datetime


class ChatRobotPage(BaseModel):
    items: list[ChatRobotOut]
    next_cursor: str


class ChatRobotMessageOut(BaseModel):
    id: str
    robot_id: str
    title: str
    kind: str
    mobiles: list[str]
    status: Literal["queued", "sent", "failed"]
    attempts: int
    reason: str
    digest_of: int = Field(description="how many messages the post that carried it folded")
    created_at: datetime
    sent_at: datetime | None
    next_attempt_at: datetime | None


class ChatRobotMessagePage(BaseModel):
    items: list[ChatRobotMessageOut]
    next_cursor: str


class MobileIn(RequestBody):
    model_config = ConfigDict(json_schema_extra={"examples": [{"mobile": "13800138000"}]})

    mobile: str = Field(pattern=r"^\+?[0-9]{6,15}$", description="digits, + first if any")
    enabled: bool = Field(True, description="false: robots do not @ you")


class MobileOut(BaseModel):
    mobile: str
    enabled: bool
    version: int = Field(description="0: never set")


def robot_out(robot: pb.ChatRobot) -> ChatRobotOut:
    return from_proto(ChatRobotOut, robot)


def message_out(message: pb.ChatRobotMessage) -> ChatRobotMessageOut:
    return from_proto(ChatRobotMessageOut, message)


def mobile_out(mobile: pb.EmailAddress) -> MobileOut:
    return MobileOut(mobile=mobile.address, enabled=mobile.enabled, version=mobile.version)


def create_request(body: ChatRobotIn) -> pb.CreateChatRobotRequest:
    return pb.CreateChatRobotRequest(
        name=body.name,
        provider=body.provider,
        url=body.url,
        secret=body.secret,
        kinds=body.kinds,
        format=body.format,
        enabled=body.enabled,
    )


def update_request(robot_id: str, body: ChatRobotPatch, version: int) -> pb.UpdateChatRobotRequest:
    request = pb.UpdateChatRobotRequest(id=robot_id, expected_version=version)
    for name in ("name", "url", "secret", "format", "enabled"):
        value = getattr(body, name)
        if value is not None:
            setattr(request, name, value)
    if body.kinds is not None:
        request.kinds.extend(body.kinds)
        request.kinds_set = True
    return request
