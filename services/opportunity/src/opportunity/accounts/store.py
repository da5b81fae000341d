"""Account, contact and follow-up persistence on MongoDB inside one unit of work.
Every query is an exact match or a range on an indexed field (indexes.py), scoped to the
tenant; writes of aggregates are version-checked."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from crm_runtime.storage.mongo import Doc, Transaction
from crm_runtime.storage.repository import SortKey, index_name, page_docs, save_versioned
from pymongo.errors import DuplicateKeyError

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
from opportunity.indexes import (
    ACCOUNT_KEYS,
    ACCOUNT_LIST_KEYS,
    ACCOUNTS,
    CONTACT_LIST_KEYS,
    CONTACTS,
    CONTACTS_OF_ACCOUNT,
    FOLLOW_UPS,
    NEWEST,
)
from opportunity.ports import MAX_CONTACTS_PER_ACCOUNT


def list_index(keys: tuple[str, ...], query: dict[str, Any], sort: SortKey) -> str:
    """The index a list runs on: the first filtered key of `keys`, then the sort.
    Named explicitly because the embedded MongoDB scans the collection when a query
    carries a predicate no index holds."""
    tail = sort.index_spec
    for key in keys:
        if key in query:
            return index_name(("tenant_id", 1), (key, 1), *tail)
    return index_name(("tenant_id", 1), *tail)


class AccountRepository:
    """The accounts of one tenant inside one transaction."""

    def __init__(self, tx: Transaction, tenant_id: str) -> None:
        self.tx = tx
        self.accounts = tx.collection(ACCOUNTS, tenant_id)
        self.keys = tx.collection(ACCOUNT_KEYS, tenant_id)

    def add(self, account: Account, next_check_at: datetime | None) -> None:
        self.accounts.insert_one({**account_to_doc(account), "next_check_at": next_check_at})
        self.tx.record(*account.events)

    def save(
        self, account: Account, expected_version: int, next_check_at: datetime | None
    ) -> Account:
        doc = {**account_to_doc(account), "next_check_at": next_check_at}
        saved = save_versioned(self.accounts, doc, expected_version, f"account {account.id}")
        self.tx.record(*account.events)
        return account_from_doc(saved)

    def reschedule(self, account_id: str, version: int, next_check_at: datetime | None) -> None:
        """The next dormancy check moved, at this version only; not a change of the account."""
        self.accounts.update_one(
            {"_id": account_id, "version": version}, {"$set": {"next_check_at": next_check_at}}
        )

    def note_activity(self, account_id: str, at: datetime, next_check_at: datetime | None) -> None:
        self.accounts.update_one(
            {"_id": account_id}, {"$set": {"last_activity_at": at, "next_check_at": next_check_at}}
        )

    def get(self, account_id: str) -> Account | None:
        doc = self.accounts.find_one({"_id": account_id})
        return account_from_doc(doc) if doc else None

    def touch(self, account_id: str) -> None:
        """A write on the account document that changes nothing users see: concurrent
        transactions touching one account conflict, and MongoDB retries the later one."""
        self.accounts.update_one({"_id": account_id}, {"$inc": {"relations_seq": 1}})

    def with_keys(self, keys: dict[str, str]) -> list[Account]:
        """Accounts holding any of the dedup keys: indexed exact lookups."""
        found: dict[str, Account] = {}
        fields = {"name": "name_key", "credit_code": "unified_social_credit_code"}
        for matched_on, key in keys.items():
            for doc in self.accounts.find({fields[matched_on]: key}, limit=20):
                found.setdefault(doc["_id"], account_from_doc(doc))
        return list(found.values())

    def claim_keys(self, account_id: str, keys: dict[str, str], released: dict[str, str]) -> None:
        """One document per dedup key, unique per tenant: two accounts created or renamed
        at once onto the same name or code cannot both commit."""
        dropped, taken = key_moves(keys, released)
        for key in dropped:
            self.keys.raw.delete_one(
                {"tenant_id": self.keys.tenant_id, "key": key, "account_id": account_id},
                session=self.keys.session,
            )
        for matched_on, key in taken:
            try:
                self.keys.insert_one({"key": key, "account_id": account_id})
            except DuplicateKeyError as exc:
                raise key_taken(matched_on) from exc

    def page(
        self, query: Doc, sort: SortKey, limit: int, after: tuple[Any, str] | None
    ) -> list[Account]:
        hint = list_index(ACCOUNT_LIST_KEYS, query, sort)
        if sort.field == "name_key":
            hint = index_name(("tenant_id", 1), *sort.index_spec)
        return [
            account_from_doc(d) for d in page_docs(self.accounts, query, sort, limit, after, hint)
        ]


class ContactRepository:
    """The contacts of one tenant inside one transaction."""

    def __init__(self, tx: Transaction, tenant_id: str) -> None:
        self.tx = tx
        self.contacts = tx.collection(CONTACTS, tenant_id)

    def add(self, contact: Contact) -> None:
        self.contacts.insert_one(contact_to_doc(contact))
        self.tx.record(*contact.events)

    def save(self, contact: Contact, expected_version: int) -> Contact:
        saved = save_versioned(
            self.contacts, contact_to_doc(contact), expected_version, f"contact {contact.id}"
        )
        self.tx.record(*contact.events)
        return contact_from_doc(saved)

    def get(self, contact_id: str) -> Contact | None:
        doc = self.contacts.find_one({"_id": contact_id})
        return contact_from_doc(doc) if doc else None

    def of_account(self, account_id: str) -> list[Contact]:
        docs = self.contacts.find(
            {"account_id": account_id},
            sort=NEWEST,
            limit=MAX_CONTACTS_PER_ACCOUNT,
            hint=CONTACTS_OF_ACCOUNT.name,
        )
        return [contact_from_doc(d) for d in docs]

    def page(
        self, query: Doc, sort: SortKey, limit: int, after: tuple[Any, str] | None
    ) -> list[Contact]:
        hint = list_index(CONTACT_LIST_KEYS, query, sort)
        return [
            contact_from_doc(d) for d in page_docs(self.contacts, query, sort, limit, after, hint)
        ]


class FollowUpRepository:
    def __init__(self, tx: Transaction, tenant_id: str) -> None:
        self.follow_ups = tx.collection(FOLLOW_UPS, tenant_id)

    def add(self, follow_up: FollowUp) -> None:
        self.follow_ups.insert_one(follow_up_to_doc(follow_up))

    def page(
        self, key: str, value: str, limit: int, after: tuple[Any, str] | None
    ) -> list[FollowUp]:
        sort = SortKey("at", descending=True)
        hint = index_name(("tenant_id", 1), (key, 1), ("at", -1), ("_id", -1))
        docs = page_docs(self.follow_ups, {key: value}, sort, limit, after, hint)
        return [follow_up_from_doc(d) for d in docs]
