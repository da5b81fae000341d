"""What the notification's use cases need from storage and from the outside world,
named as Protocols: the seam.

`mongo_storage.py` implements storage on MongoDB over each area's `store.py`;
`memory.py` implements it in memory over each area's `memory.py`. One contract suite
(tests/integration/test_notification_store_contract.py) runs against both. `position` is a decoded
page cursor: (created_at, id) of the last item of the previous page, newest first.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any, Protocol, TypeVar

from notification.domain.inbox import Notification
from notification.email.domain import EmailAddress, EmailSettings, Mail, SendOutcome
from notification.robots.domain import Robot, RobotMessage
from notification.webhooks.domain import Delivery, Endpoint, Outcome

T = TypeVar("T")
Position = tuple[Any, str] | None


class Notifications(Protocol):
    """One tenant's inbox items inside one transaction."""

    def add(self, notification: Notification) -> None: ...

    def page(
        self, recipient_id: str, unread_only: bool, limit: int, after: tuple[datetime, str] | None
    ) -> list[Notification]:
        """The recipient's items newest first, strictly after `after`."""

    def unread_count(self, recipient_id: str) -> int: ...

    def mark_read(self, recipient_id: str, ids: list[str]) -> int:
        """Mark the recipient's unread items among `ids` read; how many changed."""


class Endpoints(Protocol):
    """One tenant's webhook endpoints inside one transaction."""

    def add(self, endpoint: Endpoint) -> None: ...

    def get(self, endpoint_id: str) -> Endpoint | None: ...

    def save(self, endpoint: Endpoint, expected_version: int) -> Endpoint:
        """Write over `expected_version` (Conflict otherwise); the saved next version."""

    def page(self, limit: int, position: Position) -> list[Endpoint]:
        """Newest first."""

    def subscribed(self, event_type: str) -> list[Endpoint]:
        """The enabled endpoints that take `event_type`."""

    def delete(self, endpoint_id: str) -> None:
        """Gone; its pending deliveries fail when their turn comes."""


class Deliveries(Protocol):
    """One tenant's webhook deliveries inside one transaction."""

    def add(self, delivery: Delivery) -> None: ...

    def get(self, delivery_id: str) -> Delivery | None: ...

    def save(self, delivery: Delivery, claimed_until: datetime) -> None:
        """Write an attempt's outcome if the claim `claimed_until` still holds it
        (Conflict otherwise)."""

    def page(self, endpoint_id: str, limit: int, position: Position) -> list[Delivery]:
        """The endpoint's deliveries newest first."""


class EmailDirectory(Protocol):
    """One tenant's sender and its people's addresses (version 0: never set)."""

    def settings(self) -> EmailSettings: ...

    def save_settings(self, settings: EmailSettings) -> EmailSettings:
        """Insert at version 1 when `settings.version` is 0, else write over it
        (Conflict when stale)."""

    def address(self, user_id: str, channel: str = "email") -> EmailAddress:
        """The person's address on `channel` ("email", or "mobile" for chat robots)."""

    def save_address(self, address: EmailAddress) -> EmailAddress:
        """As `save_settings`, for one person's address."""


class Mails(Protocol):
    """One tenant's email messages."""

    def add(self, mail: Mail) -> None: ...

    def get(self, mail_id: str) -> Mail | None: ...

    def save(self, mail: Mail, claimed_until: datetime) -> None:
        """Write a send's outcome under the claim (Conflict otherwise)."""

    def page(self, limit: int, position: Position) -> list[Mail]:
        """Newest first."""


class Robots(Protocol):
    """One tenant's chat robots."""

    def add(self, robot: Robot) -> None: ...

    def get(self, robot_id: str) -> Robot | None: ...

    def save(self, robot: Robot, expected_version: int) -> Robot:
        """Write over `expected_version` (Conflict otherwise)."""

    def set_bucket(self, robot_id: str, tokens: float, at: datetime) -> None:
        """The token bucket's level at `at`, without a new version."""

    def page(self, limit: int, position: Position) -> list[Robot]: ...

    def subscribed(self, kind: str) -> list[Robot]:
        """The enabled robots that post `kind`."""


class RobotMessages(Protocol):
    def add(self, message: RobotMessage) -> None: ...

    def save(self, message: RobotMessage, claimed_until: datetime) -> None:
        """Write a post's outcome under the claim (Conflict otherwise)."""

    def page(self, robot_id: str, limit: int, position: Position) -> list[RobotMessage]: ...


class Stores(Protocol):
    """The repositories of one transaction, for one tenant each."""

    def robots(self, tenant_id: str) -> Robots: ...

    def robot_messages(self, tenant_id: str) -> RobotMessages: ...

    def email(self, tenant_id: str) -> EmailDirectory: ...

    def mails(self, tenant_id: str) -> Mails: ...

    def notifications(self, tenant_id: str) -> Notifications: ...

    def endpoints(self, tenant_id: str) -> Endpoints: ...

    def deliveries(self, tenant_id: str) -> Deliveries: ...


class NotificationStorage(Protocol):
    """The unit of work the use cases run on, and the worker's queue across tenants."""

    def run(self, work: Callable[[Stores], T]) -> T:
        """`work` in one transaction: all of it or none of it."""

    def handle_once(
        self, handler: str, envelope: dict[str, Any], effect: Callable[[Stores], None]
    ) -> bool:
        """`effect` in one transaction unless `handler` handled this event already."""

    def claim_due(
        self, now: datetime, limit: int, lease: timedelta
    ) -> list[tuple[Delivery, datetime]]:
        """Up to `limit` deliveries due at `now`, any tenant, each held for `lease`
        (the claim's end is what `Deliveries.save` checks)."""

    def claim_due_mails(
        self, now: datetime, limit: int, lease: timedelta
    ) -> list[tuple[Mail, datetime]]:
        """Queued emails due at `now`, as `claim_due`."""

    def claim_due_robot_messages(
        self, now: datetime, limit: int, lease: timedelta
    ) -> list[tuple[RobotMessage, datetime]]:
        """Queued robot posts due at `now`, as `claim_due`."""


class Sealer(Protocol):
    """Encrypts secrets at rest (with a key from the deployment's secrets)."""

    def seal(self, secret: str, context: str) -> tuple[str, str]:
        """(key id, sealed text) of `secret`, bound to `context`."""

    def unseal(self, sealed: str, context: str) -> str: ...


class UrlGuard(Protocol):
    def check(self, url: str) -> None:
        """ValidationFailed on `url` when it may not be called (SSRF)."""


class Sender(Protocol):
    def post(self, url: str, body: bytes, headers: dict[str, str]) -> Outcome:
        """POST once; the answer, or why there was none (never raises for the network)."""


class Mailer(Protocol):
    def send(self, message: EmailMessage) -> SendOutcome:
        """Hand the message to the SMTP server once (never raises for the network)."""
