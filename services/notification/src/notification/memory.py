"""The notification's storage seam (notification.ports) in memory, on
`crm_runtime.storage.memory`: what the use-case tests run on. The contract suite
(tests/integration/test_notification_store_contract.py) holds it to the Mongo stores."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from crm_runtime.storage.memory import MemoryTransaction, MemoryUnitOfWork
from crm_runtime.storage.seam import MemorySeam

from notification.email.domain import Mail
from notification.email.memory import MemoryEmailDirectory, MemoryMails
from notification.email.memory import claim_due as claim_due_mails
from notification.inbox.memory import MemoryNotifications
from notification.ports import (
    Deliveries,
    EmailDirectory,
    Endpoints,
    Mails,
    Notifications,
    NotificationStorage,
    RobotMessages,
    Robots,
    Stores,
)
from notification.robots.domain import RobotMessage
from notification.robots.memory import MemoryRobotMessages, MemoryRobots
from notification.robots.memory import claim_due as claim_due_robot_messages
from notification.webhooks.domain import Delivery
from notification.webhooks.memory import MemoryDeliveries, MemoryEndpoints, claim_due


class MemoryStores:
    def __init__(self, tx: MemoryTransaction) -> None:
        self.tx = tx

    def notifications(self, tenant_id: str) -> MemoryNotifications:
        return MemoryNotifications(self.tx, tenant_id)

    def endpoints(self, tenant_id: str) -> MemoryEndpoints:
        return MemoryEndpoints(self.tx, tenant_id)

    def deliveries(self, tenant_id: str) -> MemoryDeliveries:
        return MemoryDeliveries(self.tx, tenant_id)

    def robots(self, tenant_id: str) -> MemoryRobots:
        return MemoryRobots(self.tx, tenant_id)

    def robot_messages(self, tenant_id: str) -> MemoryRobotMessages:
        return MemoryRobotMessages(self.tx, tenant_id)

    def email(self, tenant_id: str) -> MemoryEmailDirectory:
        return MemoryEmailDirectory(self.tx, tenant_id)

    def mails(self, tenant_id: str) -> MemoryMails:
        return MemoryMails(self.tx, tenant_id)


class MemoryNotificationStorage(MemorySeam[Stores]):
    def __init__(self, uow: MemoryUnitOfWork | None = None) -> None:
        super().__init__(uow or MemoryUnitOfWork(), MemoryStores)

    def claim_due(
        self, now: datetime, limit: int, lease: timedelta
    ) -> list[tuple[Delivery, datetime]]:
        return claim_due(self.uow, now, limit, lease)

    def claim_due_mails(
        self, now: datetime, limit: int, lease: timedelta
    ) -> list[tuple[Mail, datetime]]:
        return claim_due_mails(self.uow, now, limit, lease)

    def claim_due_robot_messages(
        self, now: datetime, limit: int, lease: timedelta
    ) -> list[tuple[RobotMessage, datetime]]:
        return claim_due_robot_messages(self.uow, now, limit, lease)


if TYPE_CHECKING:  # mypy proves the fake implements every Protocol of the seam
    _storage: type[NotificationStorage] = MemoryNotificationStorage
    _stores: type[Stores] = MemoryStores
    _notifications: type[Notifications] = MemoryNotifications
    _endpoints: type[Endpoints] = MemoryEndpoints
    _deliveries: type[Deliveries] = MemoryDeliveries
    _email: type[EmailDirectory] = MemoryEmailDirectory
    _mails: type[Mails] = MemoryMails
    _robots: type[Robots] = MemoryRobots
    _robot_messages: type[RobotMessages] = MemoryRobotMessages
