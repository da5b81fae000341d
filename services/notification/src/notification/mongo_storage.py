"""The notification's storage seam (notification.ports) on MongoDB."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from crm_runtime.storage.mongo import Transaction, UnitOfWork
from crm_runtime.storage.seam import MongoSeam

from notification.email.domain import Mail
from notification.email.store import EmailDirectory as MongoEmailDirectory
from notification.email.store import MailRepository
from notification.email.store import claim_due as claim_due_mails
from notification.inbox.store import NotificationRepository
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
from notification.robots.store import RobotMessageRepository, RobotRepository
from notification.robots.store import claim_due as claim_due_robot_messages
from notification.webhooks.domain import Delivery
from notification.webhooks.store import DeliveryRepository, EndpointRepository, claim_due


class MongoStores:
    def __init__(self, tx: Transaction) -> None:
        self.tx = tx

    def notifications(self, tenant_id: str) -> NotificationRepository:
        return NotificationRepository(self.tx, tenant_id)

    def endpoints(self, tenant_id: str) -> EndpointRepository:
        return EndpointRepository(self.tx, tenant_id)

    def deliveries(self, tenant_id: str) -> DeliveryRepository:
        return DeliveryRepository(self.tx, tenant_id)

    def robots(self, tenant_id: str) -> RobotRepository:
        return RobotRepository(self.tx, tenant_id)

    def robot_messages(self, tenant_id: str) -> RobotMessageRepository:
        return RobotMessageRepository(self.tx, tenant_id)

    def email(self, tenant_id: str) -> MongoEmailDirectory:
        return MongoEmailDirectory(self.tx, tenant_id)

    def mails(self, tenant_id: str) -> MailRepository:
        return MailRepository(self.tx, tenant_id)


class MongoNotificationStorage(MongoSeam[Stores]):
    def __init__(self, uow: UnitOfWork) -> None:
        super().__init__(uow, MongoStores)

    def claim_due(
        self, now: datetime, limit: int, lease: timedelta
    ) -> list[tuple[Delivery, datetime]]:
        return claim_due(self.uow.db, now, limit, lease)

    def claim_due_mails(
        self, now: datetime, limit: int, lease: timedelta
    ) -> list[tuple[Mail, datetime]]:
        return claim_due_mails(self.uow.db, now, limit, lease)

    def claim_due_robot_messages(
        self, now: datetime, limit: int, lease: timedelta
    ) -> list[tuple[RobotMessage, datetime]]:
        return claim_due_robot_messages(self.uow.db, now, limit, lease)


if TYPE_CHECKING:  # mypy proves the stores implement every Protocol of the seam
    _storage: type[NotificationStorage] = MongoNotificationStorage
    _stores: type[Stores] = MongoStores
    _notifications: type[Notifications] = NotificationRepository
    _endpoints: type[Endpoints] = EndpointRepository
    _deliveries: type[Deliveries] = DeliveryRepository
    _email: type[EmailDirectory] = MongoEmailDirectory
    _mails: type[Mails] = MailRepository
    _robots: type[Robots] = RobotRepository
    _robot_messages: type[RobotMessages] = RobotMessageRepository
