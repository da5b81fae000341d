"""Chat robots and their messages: proto <-> domain."""

from __future__ import annotations

from crm.notification.v1 import notification_pb2 as pb
from crm_runtime.rpc.protojson import timestamp

from notification.robots.domain import Robot, RobotFields, RobotMessage


def robot_to_proto(r: Robot) -> pb.ChatRobot:
    return pb.ChatRobot(
        id=r.id,
        name=r.name,
        provider=r.provider,
        url=r.url,
        kinds=list(r.kinds),
        format=r.format,
        enabled=r.enabled,
        version=r.version,
        created_at=timestamp(r.created_at),
    )


def message_to_proto(m: RobotMessage) -> pb.ChatRobotMessage:
    return pb.ChatRobotMessage(
        id=m.id,
        robot_id=m.robot_id,
        title=m.title,
        kind=m.kind,
        mobiles=list(m.mobiles),
        status=m.status,
        attempts=m.attempts,
        reason=m.reason,
        digest_of=m.digest_of,
        created_at=timestamp(m.created_at),
        sent_at=timestamp(m.sent_at),
        next_attempt_at=timestamp(m.next_attempt_at),
    )


def fields_of_create(r: pb.CreateChatRobotRequest) -> RobotFields:
    return RobotFields(
        name=r.name,
        url=r.url,
        secret=r.secret,
        kinds=list(r.kinds),
        format=r.format or None,
        enabled=r.enabled if r.HasField("enabled") else None,
        provider=r.provider or None,
    )


def fields_of_update(r: pb.UpdateChatRobotRequest) -> RobotFields:
    return RobotFields(
        name=r.name if r.HasField("name") else None,
        url=r.url if r.HasField("url") else None,
        secret=r.secret if r.HasField("secret") else None,
        kinds=list(r.kinds) if r.kinds_set else None,
        format=r.format if r.HasField("format") else None,
        enabled=r.enabled if r.HasField("enabled") else None,
    )
