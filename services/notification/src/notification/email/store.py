"""Email settings, addresses and messages on MongoDB."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from crm_runtime.errors import Conflict
from crm_runtime.storage.mongo import Doc, TenantCollection, Transaction
from crm_runtime.storage.mongo import claim_due as claim_due_docs
from crm_runtime.storage.repository import save_versioned
from pymongo.database import Database

from notification.email.documents import (
    PAGE_ORDER,
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


def _save(collection: TenantCollection, doc: Doc, version: int, label: str) -> Doc:
    """Insert at version 1 when new (version 0), else write over `version`."""
    if version == 0:
        collection.insert_one({**doc, "version": 1})
        return {**doc, "version": 1}
    return save_versioned(collection, doc, version, label)


class EmailDirectory:
    def __init__(self, tx: Transaction, tenant_id: str) -> None:
        self.tenant_id = tenant_id
        self.settings_items: TenantCollection = tx.collection(EMAIL_SETTINGS, tenant_id)
        self.addresses: TenantCollection = tx.collection(EMAIL_ADDRESSES, tenant_id)

    def settings(self) -> EmailSettings:
        return settings_of(self.tenant_id, self.settings_items.find_one({"_id": self.tenant_id}))

    def save_settings(self, settings: EmailSettings) -> EmailSettings:
        saved = _save(
            self.settings_items, settings_doc(settings), settings.version, "email settings"
        )
        return settings_of(self.tenant_id, saved)

    def address(self, user_id: str, channel: str = "email") -> EmailAddress:
        found = self.addresses.find_one({"_id": address_id(self.tenant_id, user_id, channel)})
        return address_of(self.tenant_id, user_id, found, channel)

    def save_address(self, address: EmailAddress) -> EmailAddress:
        label = f"{address.channel} of {address.user_id}"
        saved = _save(self.addresses, address_doc(address), address.version, label)
        return address_of(self.tenant_id, address.user_id, saved, address.channel)


class MailRepository:
    def __init__(self, tx: Transaction, tenant_id: str) -> None:
        self.items: TenantCollection = tx.collection(EMAIL_MESSAGES, tenant_id)

    def add(self, mail: Mail) -> None:
        self.items.insert_one(mail_doc(mail))

    def get(self, mail_id: str) -> Mail | None:
        doc = self.items.find_one({"_id": mail_id})
        return mail_of(doc) if doc else None

    def save(self, mail: Mail, claimed_until: datetime) -> None:
        doc = mail_doc(mail)
        doc.pop("_id")
        update: Doc = {"$set": doc}
        if mail.next_attempt_at is None:
            update["$unset"] = {"next_attempt_at": ""}
        if not self.items.update_one({"_id": mail.id, "claimed_until": claimed_until}, update):
            raise Conflict(f"email {mail.id} was claimed by another worker")

    def page(self, limit: int, position: tuple[Any, str] | None) -> list[Mail]:
        docs = self.items.find(after(position), sort=PAGE_ORDER, limit=limit)
        return [mail_of(d) for d in docs]


def claim_due(
    db: Database[Doc], now: datetime, limit: int, lease: timedelta
) -> list[tuple[Mail, datetime]]:
    """Queued emails of any tenant, each held for `lease`."""
    due = claim_due_docs(db[EMAIL_MESSAGES], now, limit, lease)
    return [(mail_of(d), until) for d, until in due]
