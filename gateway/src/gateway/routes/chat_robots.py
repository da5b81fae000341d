"""/v1/chat-robots and /v1/me/mobile: a tenant's group chat robots (DingTalk custom
robot) post the notifications of the kinds they take, @ing people by the mobile they
gave (NotificationService over gRPC)."""

from __future__ import annotations

from typing import Annotated

from crm.common.v1 import common_pb2
from crm.notification.v1 import notification_pb2 as pb
from fastapi import APIRouter, Depends, Path, Response

from gateway.access.guard import authorize
from gateway.conventions.created import created
from gateway.conventions.etag import IfMatch, if_match_version, set_etag
from gateway.conventions.paging import DEFAULT, Cursor, Limit
from gateway.conventions.problems import PROBLEM_RESPONSES
from gateway.dependencies import CallOptions, NotificationClient
from gateway.identity.caller import Caller
from gateway.schemas.chat_robots import (
    ChatRobotIn,
    ChatRobotMessagePage,
    ChatRobotOut,
    ChatRobotPage,
    ChatRobotPatch,
    MobileIn,
    MobileOut,
    create_request,
    message_out,
    mobile_out,
    robot_out,
    update_request,
)
from gateway.schemas.values import STALE

router = APIRouter(tags=["chat robots"], responses=PROBLEM_RESPONSES)
RobotId = Annotated[str, Path(min_length=1, max_length=64, description="The robot's id")]
BASE = "/v1/chat-robots"


@router.post(BASE, status_code=201, response_model=ChatRobotOut, summary="Add a group robot")
async def create_robot(
    body: ChatRobotIn,
    caller: Annotated[Caller, Depends(authorize("chat_robot:manage"))],
    notification_service: NotificationClient,
    options: CallOptions,
    response: Response,
) -> ChatRobotOut:
    """The URL must be https and resolve to public addresses (SSRF); the secret is
    sealed at rest and never read back."""
    reply = await notification_service.CreateChatRobot(create_request(body), **options)
    created(response, f"{BASE}/{reply.robot.id}", reply.robot.version)
    return robot_out(reply.robot)


@router.get(BASE, response_model=ChatRobotPage, summary="The tenant's group robots")
async def list_robots(
    caller: Annotated[Caller, Depends(authorize("chat_robot:read"))],
    notification_service: NotificationClient,
    options: CallOptions,
    limit: Limit = DEFAULT,
    cursor: Cursor = "",
) -> ChatRobotPage:
    reply = await notification_service.ListChatRobots(
        pb.ListChatRobotsRequest(page=common_pb2.PageRequest(limit=limit, cursor=cursor)),
        **options,
    )
    return ChatRobotPage(
        items=[robot_out(r) for r in reply.robots], next_cursor=reply.page.next_cursor
    )


@router.get(f"{BASE}/{{robot_id}}", response_model=ChatRobotOut, summary="A group robot")
async def get_robot(
    robot_id: RobotId,
    caller: Annotated[Caller, Depends(authorize("chat_robot:read"))],
    notification_service: NotificationClient,
    options: CallOptions,
    response: Response,
) -> ChatRobotOut:
    reply = await notification_service.GetChatRobot(pb.GetChatRobotRequest(id=robot_id), **options)
    set_etag(response, reply.robot.version)
    return robot_out(reply.robot)


@router.patch(
    f"{BASE}/{{robot_id}}",
    responses=STALE,
    response_model=ChatRobotOut,
    summary="Change a group robot",
)
async def update_robot(
    robot_id: RobotId,
    body: ChatRobotPatch,
    caller: Annotated[Caller, Depends(authorize("chat_robot:manage"))],
    notification_service: NotificationClient,
    options: CallOptions,
    response: Response,
    if_match: IfMatch = None,
) -> ChatRobotOut:
    reply = await notification_service.UpdateChatRobot(
        update_request(robot_id, body, if_match_version(if_match)), **options
    )
    set_etag(response, reply.robot.version)
    return robot_out(reply.robot)


@router.get(
    f"{BASE}/{{robot_id}}/messages",
    response_model=ChatRobotMessagePage,
    summary="What the robot posted or will post, newest first",
)
async def list_robot_messages(
    robot_id: RobotId,
    caller: Annotated[Caller, Depends(authorize("chat_robot:read"))],
    notification_service: NotificationClient,
    options: CallOptions,
    limit: Limit = DEFAULT,
    cursor: Cursor = "",
) -> ChatRobotMessagePage:
    """Each message's status; `digest_of` > 1 says a burst was folded into one post."""
    reply = await notification_service.ListChatRobotMessages(
        pb.ListChatRobotMessagesRequest(
            robot_id=robot_id, page=common_pb2.PageRequest(limit=limit, cursor=cursor)
        ),
        **options,
    )
    return ChatRobotMessagePage(
        items=[message_out(m) for m in reply.messages], next_cursor=reply.page.next_cursor
    )


@router.get("/v1/me/mobile", response_model=MobileOut, summary="The mobile robots @ me by")
async def get_my_mobile(
    caller: Annotated[Caller, Depends(authorize("subscription:read"))],
    notification_service: NotificationClient,
    options: CallOptions,
    response: Response,
) -> MobileOut:
    reply = await notification_service.GetMyMobile(pb.GetMyMobileRequest(), **options)
    if reply.mobile.version:
        set_etag(response, reply.mobile.version)
    return mobile_out(reply.mobile)


@router.put(
    "/v1/me/mobile",
    responses=STALE,
    response_model=MobileOut,
    summary="Set the mobile robots @ me by",
)
async def put_my_mobile(
    body: MobileIn,
    caller: Annotated[Caller, Depends(authorize("subscription:manage"))],
    notification_service: NotificationClient,
    options: CallOptions,
    response: Response,
    if_match: IfMatch = None,
) -> MobileOut:
    reply = await notification_service.UpdateMyMobile(
        pb.UpdateMyMobileRequest(
            mobile=body.mobile, enabled=body.enabled, expected_version=if_match_version(if_match)
        ),
        **options,
    )
    set_etag(response, reply.mobile.version)
    return mobile_out(reply.mobile)
