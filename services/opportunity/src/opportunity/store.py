"""Account, contact and follow-up persistence on MongoDB inside one unit of work, and
every index of the service. Every query is an exact match or a range on an indexed
field, scoped to the tenant; writes of aggregates are version-checked."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from crm_runtime.errors import AlreadyExists, Conflict
from crm_runtime.mongo import Doc, TenantCollection, Transaction
from crm_runtime.outbox import ensure_outbox_indexes
from pymongo import ASCENDING, DESCENDING
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from opportunity.documents import (
    account_from_doc,
    account_to_doc,
    contact_from_doc,
    contact_to_doc,
    follow_up_from_doc,
    follow_up_to_doc,
)
from opportunity.domain.account import Account
from opportunity.domain.contact import Contact
from opportunity.domain.followups import FollowUp
from opportunity.paging import SortKey

ACCOUNTS, ACCOUNT_KEYS, CONTACTS, FOLLOW_UPS = "accounts", "account_keys", "contacts", "follow_ups"
REQUEST_KEYS = "request_keys"
NEWEST = [("created_at", DESCENDING), ("_id", DESCENDING)]
ACCOUNT_LIST_KEYS = ("owner_id", "team_id", "tier", "industry", "region", "tags", "search_tokens")
CONTACT_LIST_KEYS = ("account_id", "owner_id", "team_id", "search_tokens")
MAX_CONTACTS_PER_ACCOUNT = 2000


def index_name(*keys: tuple[str, int]) -> str:
    return "_".join(f"{k}_{d}" for k, d in keys)


def list_index(keys: tuple[str, ...], query: dict[str, Any], sort: SortKey) -> str:
    """The index a list runs on: the first filtered key of `keys`, then the sort.
    Named explicitly because the embedded MongoDB scans the collection when a query
    carries a predicate no index holds."""
    tail = sort.index_spec
    for key in keys:
        if key in query:
            return index_name(("tenant_id", 1), (key, 1), *tail)
    return index_name(("tenant_id", 1), *tail)


def ensure_indexes(db: Database[Doc]) -> None:
    from opportunity.config_store import ensure_config_indexes
    from opportunity.conversion_store import ensure_conversion_indexes
    from opportunity.deal_store import ensure_deal_indexes
    from opportunity.quote_store import ensure_quote_indexes

    accounts = db[ACCOUNTS]
    for key in ("name_key", "unified_social_credit_code"):
        accounts.create_index([("tenant_id", ASCENDING), (key, ASCENDING)])
    accounts.create_index([("tenant_id", ASCENDING), *NEWEST])
    accounts.create_index([("tenant_id", ASCENDING), ("name_key", ASCENDING), ("_id", ASCENDING)])
    for key in ACCOUNT_LIST_KEYS:
        accounts.create_index([("tenant_id", ASCENDING), (key, ASCENDING), *NEWEST])
    accounts.create_index([("next_check_at", ASCENDING)])
    db[ACCOUNT_KEYS].create_index([("tenant_id", ASCENDING), ("key", ASCENDING)], unique=True)
    contacts = db[CONTACTS]
    contacts.create_index([("tenant_id", ASCENDING), *NEWEST])
    for key in CONTACT_LIST_KEYS:
        contacts.create_index([("tenant_id", ASCENDING), (key, ASCENDING), *NEWEST])
    for key in ("account_id", "opportunity_id"):
        db[FOLLOW_UPS].create_index(
            [("tenant_id", ASCENDING), (key, ASCENDING), ("at", DESCENDING), ("_id", DESCENDING)]
        )
    ensure_deal_indexes(db)
    ensure_quote_indexes(db)
    ensure_config_indexes(db)
    ensure_conversion_indexes(db)
    ensure_outbox_indexes(db)


def save_versioned(collection: TenantCollection, doc: Doc, expected_version: int, what: str) -> Doc:
    """Write `doc` over the stored one if nobody wrote it since `expected_version`; the
    written document has the next version. A stale write is a Conflict (409)."""
    doc = {**doc, "version": expected_version + 1}
    item_id = doc.pop("_id")
    if not collection.update_one({"_id": item_id, "version": expected_version}, {"$set": doc}):
        raise Conflict(f"{what} {item_id} was changed by someone else; read it again")
    return {**doc, "_id": item_id, "tenant_id": collection.tenant_id}


def page_docs(
    collection: TenantCollection,
    query: dict[str, Any],
    sort: SortKey,
    limit: int,
    after: tuple[Any, str] | None,
    hint: str,
) -> list[Doc]:
    if after is not None:
        query = {**query, **sort.after(after)}
    return list(collection.find(query, sort=sort.spec, limit=limit, hint=hint))


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
        saved = save_versioned(self.accounts, doc, expected_version, "account")
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
        for matched_on, key in released.items():
            if keys.get(matched_on) != key:
                self.keys.raw.delete_one(
                    {
                        "tenant_id": self.keys.tenant_id,
                        "key": f"{matched_on}:{key}",
                        "account_id": account_id,
                    },
                    session=self.keys.session,
                )
        for matched_on, key in keys.items():
            if released.get(matched_on) == key:
                continue
            try:
                self.keys.insert_one({"key": f"{matched_on}:{key}", "account_id": account_id})
            except DuplicateKeyError as exc:
                raise AlreadyExists(
                    f"an account with this {matched_on.replace('_', ' ')} already exists"
                ) from exc

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
        saved = save_versioned(self.contacts, contact_to_doc(contact), expected_version, "contact")
        self.tx.record(*contact.events)
        return contact_from_doc(saved)

    def get(self, contact_id: str) -> Contact | None:
        doc = self.contacts.find_one({"_id": contact_id})
        return contact_from_doc(doc) if doc else None

    def of_account(self, account_id: str) -> list[Contact]:
        docs = self.contacts.find(
            {"account_id": account_id}, sort=NEWEST, limit=MAX_CONTACTS_PER_ACCOUNT,
            hint=index_name(("tenant_id", 1), ("account_id", 1), ("created_at", -1), ("_id", -1)),
        )  # fmt: skip
        return [contact_from_doc(d) for d in docs]

    def page(
        self, query: Doc, sort: SortKey, limit: int, after: tuple[Any, str] | None
    ) -> list[Contact]:
        hint = list_index(CONTACT_LIST_KEYS, query, sort)
        return [
            contact_from_doc(d) for d in page_docs(self.contacts, query, sort, limit, after, hint)
        ]


class RequestKeys:
    """Idempotency keys of create requests: the first request with a key records the id
    it created, in its own transaction; a repeat finds it and returns that record."""

    def __init__(self, tx: Transaction, tenant_id: str) -> None:
        self.keys = tx.collection(REQUEST_KEYS, tenant_id)

    def created(self, kind: str, key: str) -> str:
        doc = self.keys.find_one({"_id": f"{self.keys.tenant_id}:{kind}:{key}"})
        return str(doc["created_id"]) if doc else ""

    def remember(self, kind: str, key: str, created_id: str, at: datetime) -> None:
        self.keys.insert_one(
            {"_id": f"{self.keys.tenant_id}:{kind}:{key}", "created_id": created_id, "at": at}
        )


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
