"""Chat robots and their messages on MongoDB."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from crm_runtime.errors import Conflict
from crm_runtime.storage.mongo import Doc, TenantCollection, Transaction
from crm_runtime.storage.mongo import claim_due as claim_due_docs
from crm_runtime.storage.repository import save_versioned
from pymongo.database import Database

from notification.indexes import ROBOT_MESSAGES, ROBOTS, after
from notification.robots.documents import (
    PAGE_ORDER,
    message_doc,
    message_of,
    robot_doc,
    robot_of,
)
from notification.robots.domain import Robot, RobotMessage


class RobotRepository:
    def __init__(self, tx: Transaction, tenant_id: str) -> None:
        self.items: TenantCollection = tx.collection(ROBOTS, tenant_id)

    def add(self, robot: Robot) -> None:
        self.items.insert_one(robot_doc(robot))

    def get(self, robot_id: str) -> Robot | None:
        doc = self.items.find_one({"_id": robot_id})
        return robot_of(doc) if doc else None

    def save(self, robot: Robot, expected_version: int) -> Robot:
        doc = robot_doc(robot)
        doc.pop("version")
        return robot_of(save_versioned(self.items, doc, expected_version, f"robot {robot.id}"))

    def set_bucket(self, robot_id: str, tokens: float, at: datetime) -> None:
        """The token bucket's level, without a new version (not a change of the robot)."""
        self.items.update_one({"_id": robot_id}, {"$set": {"tokens": tokens, "tokens_at": at}})

    def page(self, limit: int, position: tuple[Any, str] | None) -> list[Robot]:
        return [robot_of(d) for d in self.items.find(after(position), sort=PAGE_ORDER, limit=limit)]

    def subscribed(self, kind: str) -> list[Robot]:
        return [robot_of(d) for d in self.items.find({"enabled": True, "kinds": kind})]


class RobotMessageRepository:
    def __init__(self, tx: Transaction, tenant_id: str) -> None:
        self.items: TenantCollection = tx.collection(ROBOT_MESSAGES, tenant_id)

    def add(self, message: RobotMessage) -> None:
        self.items.insert_one(message_doc(message))

    def save(self, message: RobotMessage, claimed_until: datetime) -> None:
        doc = message_doc(message)
        doc.pop("_id")
        update: Doc = {"$set": doc}
        if message.next_attempt_at is None:
            update["$unset"] = {"next_attempt_at": ""}
        if not self.items.update_one({"_id": message.id, "claimed_until": claimed_until}, update):
            raise Conflict(f"robot message {message.id} was claimed by another worker")

    def page(
        self, robot_id: str, limit: int, position: tuple[Any, str] | None
    ) -> list[RobotMessage]:
        docs = self.items.find(
            {"robot_id": robot_id, **after(position)}, sort=PAGE_ORDER, limit=limit
        )
        return [message_of(d) for d in docs]


def claim_due(
    db: Database[Doc], now: datetime, limit: int, lease: timedelta
) -> list[tuple[RobotMessage, datetime]]:
    due = claim_due_docs(db[ROBOT_MESSAGES], now, limit, lease)
    return [(message_of(d), until) for d, until in due]
