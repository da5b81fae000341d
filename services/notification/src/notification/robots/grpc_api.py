"""The chat robot RPCs of NotificationService: proto in -> use case -> proto out."""

from __future__ import annotations

from typing import Any

from crm.common.v1 import common_pb2
from crm.notification.v1 import notification_pb2 as pb
from crm_runtime.principal import current_principal

from notification.robots.proto import (
    fields_of_create,
    fields_of_update,
    message_to_proto,
    robot_to_proto,
)
from notification.robots.use_cases import Robots


class RobotRpcs:
    """Mixed into the service's servicer."""

    robots: Robots

    def CreateChatRobot(
        self, request: pb.CreateChatRobotRequest, context: Any
    ) -> pb.CreateChatRobotResponse:
        robot = self.robots.create(current_principal(), fields_of_create(request))
        return pb.CreateChatRobotResponse(robot=robot_to_proto(robot))

    def ListChatRobots(
        self, request: pb.ListChatRobotsRequest, context: Any
    ) -> pb.ListChatRobotsResponse:
        page = self.robots.list(current_principal(), request.page.limit, request.page.cursor)
        return pb.ListChatRobotsResponse(
            robots=[robot_to_proto(r) for r in page.items],
            page=common_pb2.PageResponse(next_cursor=page.next_cursor),
        )

    def GetChatRobot(
        self, request: pb.GetChatRobotRequest, context: Any
    ) -> pb.GetChatRobotResponse:
        return pb.GetChatRobotResponse(
            robot=robot_to_proto(self.robots.get(current_principal(), request.id))
        )

    def UpdateChatRobot(
        self, request: pb.UpdateChatRobotRequest, context: Any
    ) -> pb.UpdateChatRobotResponse:
        robot = self.robots.update(
            current_principal(), request.id, fields_of_update(request), request.expected_version
        )
        return pb.UpdateChatRobotResponse(robot=robot_to_proto(robot))

    def ListChatRobotMessages(
        self, request: pb.ListChatRobotMessagesRequest, context: Any
    ) -> pb.ListChatRobotMessagesResponse:
        page = self.robots.messages(
            current_principal(), request.robot_id, request.page.limit, request.page.cursor
        )
        return pb.ListChatRobotMessagesResponse(
            messages=[message_to_proto(m) for m in page.items],
            page=common_pb2.PageResponse(next_cursor=page.next_cursor),
        )
