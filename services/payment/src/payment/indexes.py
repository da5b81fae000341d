"""Every collection and index of the payment service, in one place; `ensure_indexes`
creates them when a process starts. Imports no other module of the service."""

from __future__ import annotations

from crm_runtime.messaging.outbox import ensure_outbox_indexes
from crm_runtime.storage.mongo import Doc
from crm_runtime.storage.repository import (
    IndexKey,
    IndexSpec,
    SortKey,
    create_indexes,
    tenant_index,
)
from pymongo.database import Database

PLANS, RECEIVABLES, RECEIPTS = "payment_plans", "receivables", "receipts"

# One plan per version of a contract: a ContractSigned delivered twice, or a plan posted
# by hand twice at once, cannot make two (the later insert conflicts).
PLAN_OF_CONTRACT = tenant_index(
    PLANS, ("contract_id", 1), ("contract_document_version", 1), unique=True
)
RECEIVABLES_OF_PLAN = tenant_index(RECEIVABLES, ("plan_id", 1), ("sequence", 1))
# What the matcher looks up: a receivable by the reference a payer quotes, and the
# receivables of a contract number.
RECEIVABLE_BY_REFERENCE = tenant_index(RECEIVABLES, ("reference", 1))
RECEIVABLES_OF_CONTRACT_NUMBER = tenant_index(RECEIVABLES, ("contract_number", 1))
# The worker's queue across tenants: receivables whose status the calendar moves next.
RECEIVABLES_DUE = IndexSpec(RECEIVABLES, (("next_check_at", 1),), sparse=True)

# A receipt is recorded once per external reference (the payer's bank reference or the
# finance system's id): the later of two racing inserts conflicts.
RECEIPT_BY_REFERENCE = tenant_index(RECEIPTS, ("external_reference", 1), unique=True)

# Lists of receivables, newest first: alone, and after each equality filter a list may
# lead with (most selective first); the list names the index it runs on.
NEWEST: tuple[IndexKey, ...] = (("created_at", -1), ("_id", -1))
NEWEST_FIRST = SortKey("created_at", descending=True)
RECEIVABLE_LIST_KEYS = ("contract_id", "account_id", "owner_id", "team_id", "status")
RECEIVABLE_LISTS = {
    key: tenant_index(RECEIVABLES, *(((key, 1),) if key else ()), *NEWEST)
    for key in ("", *RECEIVABLE_LIST_KEYS)
}

# Lists of receipts, latest received first: alone, by status (the unmatched queue) and
# by source.
LATEST_RECEIVED: tuple[IndexKey, ...] = (("received_at", -1), ("_id", -1))
LATEST_RECEIVED_FIRST = SortKey("received_at", descending=True)
RECEIPT_LIST_KEYS = ("status", "source")
RECEIPT_LISTS = {
    key: tenant_index(RECEIPTS, *(((key, 1),) if key else ()), *LATEST_RECEIVED)
    for key in ("", *RECEIPT_LIST_KEYS)
}

INDEXES = (
    PLAN_OF_CONTRACT,
    RECEIVABLES_OF_PLAN,
    RECEIVABLE_BY_REFERENCE,
    RECEIVABLES_OF_CONTRACT_NUMBER,
    RECEIVABLES_DUE,
    RECEIPT_BY_REFERENCE,
    *RECEIVABLE_LISTS.values(),
    *RECEIPT_LISTS.values(),
)


def ensure_indexes(db: Database[Doc]) -> None:
    create_indexes(db, INDEXES)
    ensure_outbox_indexes(db)
