"""Email use cases: the tenant's sender, each person's address, the message log, and
sending what is queued."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from crm_runtime.clock import utcnow
from crm_runtime.errors import Conflict, check_version
from crm_runtime.paging import decode_position, page_limit
from crm_runtime.principal import Principal

from notification.email import domain
from notification.email.domain import EmailAddress, EmailSettings, Mail
from notification.pages import Page, page_of
from notification.ports import Mailer, NotificationStorage, Stores

log = logging.getLogger(__name__)
CLAIM_LEASE = timedelta(seconds=60)


class Email:
    def __init__(
        self,
        storage: NotificationStorage,
        mailer: Mailer,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.storage = storage
        self.mailer = mailer
        self.clock = clock

    def settings(self, principal: Principal) -> EmailSettings:
        return self.storage.run(lambda s: s.email(principal.tenant_id).settings())

    def change_settings(
        self,
        principal: Principal,
        sender_address: str,
        sender_name: str,
        enabled: bool,
        expected_version: int,
    ) -> EmailSettings:
        def work(stores: Stores) -> EmailSettings:
            directory = stores.email(principal.tenant_id)
            current = directory.settings()
            check_version("email settings", current.version, expected_version)
            changed = domain.change_settings(current, sender_address, sender_name, enabled)
            return directory.save_settings(changed)

        return self.storage.run(work)

    def my_address(self, principal: Principal, channel: str = "email") -> EmailAddress:
        """The caller's address on `channel` ("email", or "mobile" for chat robots)."""
        return self.storage.run(
            lambda s: s.email(principal.tenant_id).address(principal.user_id, channel)
        )

    def change_my_address(
        self,
        principal: Principal,
        address: str,
        enabled: bool,
        expected_version: int,
        channel: str = "email",
    ) -> EmailAddress:
        def work(stores: Stores) -> EmailAddress:
            directory = stores.email(principal.tenant_id)
            current = directory.address(principal.user_id, channel)
            check_version(f"your {channel}", current.version, expected_version)
            return directory.save_address(domain.change_address(current, address, enabled))

        return self.storage.run(work)

    def messages(self, principal: Principal, limit: int, cursor: str) -> Page[Mail]:
        size = page_limit(limit)
        position = decode_position(cursor)
        items = self.storage.run(lambda s: s.mails(principal.tenant_id).page(size + 1, position))
        return page_of(items, size)

    def send_due(self, limit: int = 20) -> int:
        """Send up to `limit` queued emails; how many were tried."""
        claimed = self.storage.claim_due_mails(self.clock(), limit, CLAIM_LEASE)
        for mail, claim in claimed:
            outcome = self.mailer.send(domain.compose(mail, self.clock()))
            done = domain.after_send(mail, outcome, self.clock())
            if outcome.reason:
                log.info("email %s: %s", mail.id, outcome.reason)
            try:
                self._save(done, claim)
            except Conflict:
                log.warning("email %s was taken over by another worker", mail.id)
        return len(claimed)

    def _save(self, mail: Mail, claim: datetime) -> None:
        self.storage.run(lambda s: s.mails(mail.tenant_id).save(mail, claim))
