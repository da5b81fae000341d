"""Accounts, contacts and follow-ups in memory (opportunity.ports), keeping the documents
accounts/documents.py makes, so lists run the same queries as on the store."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from crm_runtime.storage.memory import DuplicateId, MemoryTransaction, TenantTable
from crm_runtime.storage.repository import SortKey

from opportunity.accounts.documents import (
    account_from_doc,
    account_to_doc,
    contact_from_doc,
    contact_to_doc,
    follow_up_from_doc,
    follow_up_to_doc,
)
from opportunity.domain.account import Account, key_moves, key_taken
from opportunity.domain.contact import Contact
from opportunity.domain.followups import FollowUp
from opportunity.indexes import ACCOUNT_KEYS, ACCOUNTS, CONTACTS, FOLLOW_UPS, NEWEST
from opportunity.ports import MAX_CONTACTS_PER_ACCOUNT, Position, Query

KEY_FIELDS = {"name": "name_key", "credit_code": "unified_social_credit_code"}


class MemoryAccounts:
    def __init__(self, tx: MemoryTransaction, tenant_id: str) -> None:
        self.tx = tx
        self.accounts = TenantTable(tx, ACCOUNTS, tenant_id)
        self.keys = TenantTable(tx, ACCOUNT_KEYS, tenant_id)

    def add(self, account: Account, next_check_at: datetime | None) -> None:
        self.accounts.insert({**account_to_doc(account), "next_check_at": next_check_at})
        self.tx.record(*account.events)

    def save(
        self, account: Account, expected_version: int, next_check_at: datetime | None
    ) -> Account:
        doc = {**account_to_doc(account), "next_check_at": next_check_at}
        saved = self.accounts.save_versioned(doc, expected_version, f"account {account.id}")
        self.tx.record(*account.events)
        return account_from_doc(saved)

    def reschedule(self, account_id: str, version: int, next_check_at: datetime | None) -> None:
        self.accounts.update(account_id, {"next_check_at": next_check_at}, version=version)

    def note_activity(self, account_id: str, at: datetime, next_check_at: datetime | None) -> None:
        self.accounts.update(account_id, {"last_activity_at": at, "next_check_at": next_check_at})

    def get(self, account_id: str) -> Account | None:
        doc = self.accounts.get(account_id)
        return account_from_doc(doc) if doc else None

    def touch(self, account_id: str) -> None:
        doc = self.accounts.get(account_id)
        if doc is not None:
            doc["relations_seq"] = doc.get("relations_seq", 0) + 1

    def with_keys(self, keys: dict[str, str]) -> list[Account]:
        found: dict[str, Account] = {}
        for matched_on, key in keys.items():
            for doc in self.accounts.find({KEY_FIELDS[matched_on]: key}, limit=20):
                found.setdefault(doc["_id"], account_from_doc(doc))
        return list(found.values())

    def claim_keys(self, account_id: str, keys: dict[str, str], released: dict[str, str]) -> None:
        dropped, taken = key_moves(keys, released)
        for key in dropped:
            held = self.keys.get(key)
            if held and held["account_id"] == account_id:
                self.keys.delete(key)
        for matched_on, key in taken:
            try:
                self.keys.insert({"_id": key, "account_id": account_id})
            except DuplicateId as exc:
                raise key_taken(matched_on) from exc

    def page(self, query: Query, sort: SortKey, limit: int, after: Position) -> list[Account]:
        return [account_from_doc(d) for d in self.accounts.page(query, sort, limit, after)]


class MemoryContacts:
    def __init__(self, tx: MemoryTransaction, tenant_id: str) -> None:
        self.tx = tx
        self.contacts = TenantTable(tx, CONTACTS, tenant_id)

    def add(self, contact: Contact) -> None:
        self.contacts.insert(contact_to_doc(contact))
        self.tx.record(*contact.events)

    def save(self, contact: Contact, expected_version: int) -> Contact:
        saved = self.contacts.save_versioned(
            contact_to_doc(contact), expected_version, f"contact {contact.id}"
        )
        self.tx.record(*contact.events)
        return contact_from_doc(saved)

    def get(self, contact_id: str) -> Contact | None:
        doc = self.contacts.get(contact_id)
        return contact_from_doc(doc) if doc else None

    def of_account(self, account_id: str) -> list[Contact]:
        docs = self.contacts.find({"account_id": account_id}, NEWEST, MAX_CONTACTS_PER_ACCOUNT)
        return [contact_from_doc(d) for d in docs]

    def page(self, query: Query, sort: SortKey, limit: int, after: Position) -> list[Contact]:
        return [contact_from_doc(d) for d in self.contacts.page(query, sort, limit, after)]


class MemoryFollowUps:
    def __init__(self, tx: MemoryTransaction, tenant_id: str) -> None:
        self.follow_ups = TenantTable(tx, FOLLOW_UPS, tenant_id)

    def add(self, follow_up: FollowUp) -> None:
        self.follow_ups.insert(follow_up_to_doc(follow_up))

    def page(self, key: str, value: str, limit: int, after: Position) -> list[FollowUp]:
        query: dict[str, Any] = {key: value}
        docs = self.follow_ups.page(query, SortKey("at", descending=True), limit, after)
        return [follow_up_from_doc(d) for d in docs]
