"""Chat robot use cases: a tenant's robots (secret sealed, URL checked against SSRF),
their message log, and posting what is queued through each robot's token bucket."""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from crm_runtime.clock import utcnow
from crm_runtime.errors import Conflict, NotFound, check_version
from crm_runtime.paging import decode_position, page_limit
from crm_runtime.principal import Principal

from notification.pages import Page, page_of
from notification.ports import NotificationStorage, Sealer, Sender, Stores, UrlGuard
from notification.robots import domain
from notification.robots.domain import PostResult, Robot, RobotFields, RobotMessage

log = logging.getLogger(__name__)
CLAIM_LEASE = timedelta(seconds=60)
Claimed = list[tuple[RobotMessage, datetime]]  # messages, each with its claim


class Robots:
    def __init__(
        self,
        storage: NotificationStorage,
        sealer: Sealer,
        guard: UrlGuard,
        sender: Sender,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.storage = storage
        self.sealer = sealer
        self.guard = guard
        self.sender = sender
        self.clock = clock

    @staticmethod
    def _robot(stores: Stores, tenant_id: str, robot_id: str) -> Robot:
        robot = stores.robots(tenant_id).get(robot_id)
        if robot is None:
            raise NotFound(f"robot {robot_id} not found")
        return robot

    def create(self, principal: Principal, fields: RobotFields) -> Robot:
        domain.check_fields(fields, creating=True)
        self.guard.check(fields.url or "")
        robot_id = uuid.uuid4().hex
        _, sealed = self.sealer.seal(fields.secret or "", f"{principal.tenant_id}/{robot_id}")
        robot = Robot(
            id=robot_id,
            tenant_id=principal.tenant_id,
            name=(fields.name or "").strip(),
            provider=fields.provider or "dingtalk",
            url=fields.url or "",
            sealed_secret=sealed,
            kinds=tuple(dict.fromkeys(fields.kinds or [])),
            format=fields.format or "markdown",
            enabled=True if fields.enabled is None else fields.enabled,
            version=1,
            created_at=self.clock(),
        )
        self.storage.run(lambda s: s.robots(principal.tenant_id).add(robot))
        return robot

    def get(self, principal: Principal, robot_id: str) -> Robot:
        return self.storage.run(lambda s: self._robot(s, principal.tenant_id, robot_id))

    def list(self, principal: Principal, limit: int, cursor: str) -> Page[Robot]:
        size = page_limit(limit)
        position = decode_position(cursor)
        items = self.storage.run(lambda s: s.robots(principal.tenant_id).page(size + 1, position))
        return page_of(items, size)

    def update(
        self, principal: Principal, robot_id: str, fields: RobotFields, expected_version: int
    ) -> Robot:
        domain.check_fields(fields, creating=False)
        if fields.url is not None:
            self.guard.check(fields.url)
        context = f"{principal.tenant_id}/{robot_id}"
        sealed = self.sealer.seal(fields.secret, context)[1] if fields.secret else None

        def work(stores: Stores) -> Robot:
            robot = self._robot(stores, principal.tenant_id, robot_id)
            check_version(f"robot {robot_id}", robot.version, expected_version)
            changed = replace(
                robot,
                name=robot.name if fields.name is None else fields.name.strip(),
                url=robot.url if fields.url is None else fields.url,
                sealed_secret=sealed or robot.sealed_secret,
                kinds=robot.kinds if fields.kinds is None else tuple(dict.fromkeys(fields.kinds)),
                format=fields.format or robot.format,
                enabled=robot.enabled if fields.enabled is None else fields.enabled,
            )
            return stores.robots(principal.tenant_id).save(changed, robot.version)

        return self.storage.run(work)

    def messages(
        self, principal: Principal, robot_id: str, limit: int, cursor: str
    ) -> Page[RobotMessage]:
        size = page_limit(limit)
        position = decode_position(cursor)

        def read(stores: Stores) -> list[RobotMessage]:
            self._robot(stores, principal.tenant_id, robot_id)
            return stores.robot_messages(principal.tenant_id).page(robot_id, size + 1, position)

        items = self.storage.run(read)
        return page_of(items, size)

    def send_due(self, limit: int = 200) -> int:
        """Post what is queued, robot by robot: one post each while the bucket has a
        token for every waiting message, one digest for a burst, nothing without a
        token (the messages wait for the next one). How many messages were handled."""
        claimed = self.storage.claim_due_robot_messages(self.clock(), limit, CLAIM_LEASE)
        groups: dict[tuple[str, str], Claimed] = defaultdict(list)
        for message, claim in claimed:
            groups[(message.tenant_id, message.robot_id)].append((message, claim))
        for (tenant, robot_id), group in groups.items():
            self._send_group(tenant, robot_id, group)
        return len(claimed)

    def _send_group(self, tenant: str, robot_id: str, group: Claimed) -> None:
        now = self.clock()
        robot = self.storage.run(lambda s: s.robots(tenant).get(robot_id))
        if robot is None or not robot.enabled:
            failed = PostResult(False, "the robot is disabled or gone")
            done = [(replace(m, attempts=len(domain.RETRY_DELAYS)), c) for m, c in group]
            self._save(tenant, [(domain.after_post(m, failed, now, 0), c) for m, c in done])
            return
        decision = domain.plan(robot, len(group), now)
        if decision == "wait":
            later = domain.next_token_at(robot, now)
            self._save(tenant, [(replace(m, next_attempt_at=later), c) for m, c in group])
            return
        outcomes: Claimed = []
        if decision == "each":
            for message, claim in group:
                result = self._post(robot, message.title, [message.text], message.mobiles)
                outcomes.append((domain.after_post(message, result, now, 1), claim))
                robot = self._after(robot, result, 1, now)
        else:
            title, lines, mobiles = domain.digest([m for m, _ in group])
            result = self._post(robot, title, lines, mobiles)
            outcomes = [(domain.after_post(m, result, now, len(group)), c) for m, c in group]
            robot = self._after(robot, result, 1, now)
        self._save(tenant, outcomes)
        self.storage.run(
            lambda s: s.robots(tenant).set_bucket(robot_id, robot.tokens, robot.tokens_at or now)
        )

    @staticmethod
    def _after(robot: Robot, result: PostResult, posts: int, now: datetime) -> Robot:
        if result.too_fast:  # blocked: nothing until the block ends
            return replace(robot, tokens=0.0, tokens_at=now + domain.BLOCKED_FOR)
        return domain.spend(robot, posts, now)

    def _post(
        self, robot: Robot, title: str, lines: Sequence[str], mobiles: Sequence[str]
    ) -> PostResult:
        secret = self.sealer.unseal(robot.sealed_secret, f"{robot.tenant_id}/{robot.id}")
        stamp = int(self.clock().timestamp() * 1000)
        body = domain.body(robot.format, title, lines, mobiles)
        outcome = self.sender.post(
            domain.signed_url(robot.url, secret, stamp),
            body,
            {"content-type": "application/json; charset=utf-8"},
        )
        return domain.result_of(outcome.status_code, outcome.response_start, outcome.error)

    def _save(self, tenant: str, outcomes: Claimed) -> None:
        for message, claim in outcomes:
            try:
                self._save_one(tenant, message, claim)
            except Conflict:
                log.warning("robot message %s was taken over by another worker", message.id)

    def _save_one(self, tenant: str, message: RobotMessage, claim: datetime) -> None:
        self.storage.run(lambda s: s.robot_messages(tenant).save(message, claim))
