"""Chat robots and their messages in memory (the fake)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from crm_runtime.errors import Conflict
from crm_runtime.storage.memory import MemoryTransaction, MemoryUnitOfWork, TenantTable
from crm_runtime.storage.memory import claim_due as claim_due_docs

from notification.indexes import ROBOT_MESSAGES, ROBOTS, after
from notification.robots.documents import (
    PAGE_ORDER,
    message_doc,
    message_of,
    robot_doc,
    robot_of,
)
from notification.robots.domain import Robot, RobotMessage


class MemoryRobots:
    def __init__(self, tx: MemoryTransaction, tenant_id: str) -> None:
        self.items = TenantTable(tx, ROBOTS, tenant_id)

    def add(self, robot: Robot) -> None:
        self.items.insert(robot_doc(robot))

    def get(self, robot_id: str) -> Robot | None:
        doc = self.items.get(robot_id)
        return robot_of(doc) if doc else None

    def save(self, robot: Robot, expected_version: int) -> Robot:
        doc = robot_doc(robot)
        doc.pop("version")
        return robot_of(self.items.save_versioned(doc, expected_version, f"robot {robot.id}"))

    def set_bucket(self, robot_id: str, tokens: float, at: datetime) -> None:
        self.items.update(robot_id, {"tokens": tokens, "tokens_at": at})

    def page(self, limit: int, position: tuple[Any, str] | None) -> list[Robot]:
        return [robot_of(d) for d in self.items.find(after(position), PAGE_ORDER, limit)]

    def subscribed(self, kind: str) -> list[Robot]:
        return [robot_of(d) for d in self.items.find({"enabled": True, "kinds": kind})]


class MemoryRobotMessages:
    def __init__(self, tx: MemoryTransaction, tenant_id: str) -> None:
        self.items = TenantTable(tx, ROBOT_MESSAGES, tenant_id)

    def add(self, message: RobotMessage) -> None:
        self.items.insert(message_doc(message))

    def save(self, message: RobotMessage, claimed_until: datetime) -> None:
        stored = self.items.get(message.id)
        if stored is None or stored.get("claimed_until") != claimed_until:
            raise Conflict(f"robot message {message.id} was claimed by another worker")
        self.items.put({**message_doc(message), "claimed_until": claimed_until})

    def page(
        self, robot_id: str, limit: int, position: tuple[Any, str] | None
    ) -> list[RobotMessage]:
        query = {"robot_id": robot_id, **after(position)}
        return [message_of(d) for d in self.items.find(query, PAGE_ORDER, limit)]


def claim_due(
    uow: MemoryUnitOfWork, now: datetime, limit: int, lease: timedelta
) -> list[tuple[RobotMessage, datetime]]:
    due = claim_due_docs(uow, ROBOT_MESSAGES, now, limit, lease)
    return [(message_of(d), until) for d, until in due]
