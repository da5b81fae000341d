"""The notification's application: its areas' use cases over one storage, built from
the deployment's settings (the key that seals webhook secrets, the private hosts a
webhook may call, the CA file the sender trusts)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from crm_runtime.clock import utcnow
from crm_runtime.config import Settings
from crm_runtime.storage.mongo import UnitOfWork

from notification.email.smtp import SmtpMailer, SmtpServer
from notification.email.use_cases import Email
from notification.inbox.use_cases import Inbox
from notification.mongo_storage import MongoNotificationStorage
from notification.ports import Mailer, NotificationStorage, Sender, UrlGuard
from notification.robots.use_cases import Robots
from notification.webhooks.catalogue import EVENT_TYPES
from notification.webhooks.guard import UrlPolicy
from notification.webhooks.sealing import AesGcmSealer, parse_keys
from notification.webhooks.sender import HttpsSender
from notification.webhooks.use_cases import Webhooks


@dataclass(frozen=True)
class WebhookOptions:
    """CRM_NOTIFICATION_SECRET_KEYS, CRM_NOTIFICATION_WEBHOOK_PRIVATE_HOSTS (comma
    separated host names), CRM_NOTIFICATION_WEBHOOK_CA_FILE, and the SMTP server:
    CRM_NOTIFICATION_SMTP_HOST, _PORT, _STARTTLS, _USER, _PASSWORD."""

    secret_keys: str = ""
    private_hosts: tuple[str, ...] = ()
    ca_file: str = ""
    smtp: SmtpServer = field(default_factory=SmtpServer)

    @classmethod
    def from_options(cls, options: Mapping[str, str]) -> WebhookOptions:
        hosts = options.get("WEBHOOK_PRIVATE_HOSTS", "")
        smtp = SmtpServer(
            host=options.get("SMTP_HOST", ""),
            port=int(options.get("SMTP_PORT") or 25),
            starttls=options.get("SMTP_STARTTLS", "").lower() in ("1", "true", "yes"),
            user=options.get("SMTP_USER", ""),
            password=options.get("SMTP_PASSWORD", ""),
        )
        return cls(
            secret_keys=options.get("SECRET_KEYS", ""),
            private_hosts=tuple(h.strip() for h in hosts.split(",") if h.strip()),
            ca_file=options.get("WEBHOOK_CA_FILE", ""),
            smtp=smtp,
        )


class NotificationApp:
    def __init__(
        self,
        storage: NotificationStorage,
        options: WebhookOptions,
        clock: Callable[[], datetime] = utcnow,
        guard: UrlGuard | None = None,
        sender: Sender | None = None,
        mailer: Mailer | None = None,
    ) -> None:
        policy = UrlPolicy(options.private_hosts)
        sealer = AesGcmSealer(parse_keys(options.secret_keys))
        sender = sender or HttpsSender(policy, options.ca_file)
        self.inbox = Inbox(storage, clock)
        self.robots = Robots(storage, sealer, guard or policy, sender, clock)
        self.email = Email(storage, mailer or SmtpMailer(options.smtp), clock)
        self.webhooks = Webhooks(
            storage,
            sealer,
            guard or policy,
            sender,
            EVENT_TYPES,
            clock,
        )


def app_builder(settings: Settings) -> Callable[[UnitOfWork], NotificationApp]:
    options = WebhookOptions.from_options(settings.service_options)
    return lambda uow: NotificationApp(MongoNotificationStorage(uow), options)
