"""Email settings, addresses and messages in memory (the fake)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from crm_runtime.errors import Conflict
from crm_runtime.storage.memory import MemoryTransaction, MemoryUnitOfWork, TenantTable
from crm_runtime.storage.memory import claim_due as claim_due_docs

from notification.email.documents import (
    PAGE_ORDER,
    Doc,
    address_doc,
    address_id,
    address_of,
    mail_doc,
    mail_of,
    settings_doc,
    settings_of,
)
from notification.email.domain import EmailAddress, EmailSettings, Mail
from notification.indexes import EMAIL_ADDRESSES, EMAIL_MESSAGES, EMAIL_SETTINGS, after


def _save(table: TenantTable, doc: Doc, version: int, label: str) -> Doc:
    if version == 0:
        table.insert({**doc, "version": 1})
        return {**doc, "version": 1}
    return table.save_versioned(doc, version, label)


class MemoryEmailDirectory:
    def __init__(self, tx: MemoryTransaction, tenant_id: str) -> None:
        self.tenant_id = tenant_id
        self.settings_items = TenantTable(tx, EMAIL_SETTINGS, tenant_id)
        self.addresses = TenantTable(tx, EMAIL_ADDRESSES, tenant_id)

    def settings(self) -> EmailSettings:
        return settings_of(self.tenant_id, self.settings_items.get(self.tenant_id))

    def save_settings(self, settings: EmailSettings) -> EmailSettings:
        saved = _save(
            self.settings_items, settings_doc(settings), settings.version, "email settings"
        )
        return settings_of(self.tenant_id, saved)

    def address(self, user_id: str, channel: str = "email") -> EmailAddress:
        found = self.addresses.get(address_id(self.tenant_id, user_id, channel))
        return address_of(self.tenant_id, user_id, found, channel)

    def save_address(self, address: EmailAddress) -> EmailAddress:
        label = f"{address.channel} of {address.user_id}"
        saved = _save(self.addresses, address_doc(address), address.version, label)
        return address_of(self.tenant_id, address.user_id, saved, address.channel)


class MemoryMails:
    def __init__(self, tx: MemoryTransaction, tenant_id: str) -> None:
        self.items = TenantTable(tx, EMAIL_MESSAGES, tenant_id)

    def add(self, mail: Mail) -> None:
        self.items.insert(mail_doc(mail))

    def get(self, mail_id: str) -> Mail | None:
        doc = self.items.get(mail_id)
        return mail_of(doc) if doc else None

    def save(self, mail: Mail, claimed_until: datetime) -> None:
        stored = self.items.get(mail.id)
        if stored is None or stored.get("claimed_until") != claimed_until:
            raise Conflict(f"email {mail.id} was claimed by another worker")
        self.items.put({**mail_doc(mail), "claimed_until": claimed_until})

    def page(self, limit: int, position: tuple[Any, str] | None) -> list[Mail]:
        return [mail_of(d) for d in self.items.find(after(position), PAGE_ORDER, limit)]


def claim_due(
    uow: MemoryUnitOfWork, now: datetime, limit: int, lease: timedelta
) -> list[tuple[Mail, datetime]]:
    due = claim_due_docs(uow, EMAIL_MESSAGES, now, limit, lease)
    return [(mail_of(d), until) for d, until in due]
