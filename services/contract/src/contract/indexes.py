"""Every collection and index of the contract service, in one place; the stores name
the index each list runs on (`hint=`) from the same keys. No other module of the
service is imported here."""

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

TEMPLATES, TEMPLATE_VERSIONS = "contract_templates", "contract_template_versions"
CONTRACTS, CONTRACT_VERSIONS, COUNTERS = "contracts", "contract_versions", "contract_counters"
POLICIES = "contract_approval_policies"  # one document per tenant, read by _id

NEWEST: list[IndexKey] = [("created_at", -1), ("_id", -1)]
NEWEST_FIRST = SortKey("created_at", descending=True)
VERSION_SORT = SortKey("version", descending=True, kind="int")

TEMPLATE_CODES = tenant_index(TEMPLATES, ("code", 1), unique=True)
TEMPLATE_LIST = tenant_index(TEMPLATES, *NEWEST)
TEMPLATES_ACTIVE = tenant_index(TEMPLATES, ("active", 1), *NEWEST)
CONTRACT_NUMBERS = tenant_index(CONTRACTS, ("number", 1), unique=True)
CONTRACT_LIST = tenant_index(CONTRACTS, *NEWEST)
VERSIONS_OF_CONTRACT = tenant_index(
    CONTRACT_VERSIONS, ("contract_id", 1), ("version", -1), ("_id", -1)
)

# Equality keys a contract list may lead its index with, most selective first.
CONTRACT_LIST_KEYS = (
    "pending_role",
    "opportunity_id",
    "account_id",
    "search_tokens",
    "owner_id",
    "team_id",
    "template_id",
    "status",
)
CONTRACT_KEYED = {key: tenant_index(CONTRACTS, (key, 1), *NEWEST) for key in CONTRACT_LIST_KEYS}

CONTRACTS_EXPIRING = IndexSpec(CONTRACTS, (("expire_due_at", 1),))  # across tenants

INDEXES: tuple[IndexSpec, ...] = (
    CONTRACTS_EXPIRING,
    TEMPLATE_CODES,
    TEMPLATE_LIST,
    TEMPLATES_ACTIVE,
    CONTRACT_NUMBERS,
    CONTRACT_LIST,
    VERSIONS_OF_CONTRACT,
    *CONTRACT_KEYED.values(),
)


def contract_list_index(query: Doc) -> str:
    """The index a contract list with `query` runs on: led by its most selective key."""
    for key in CONTRACT_LIST_KEYS:
        if key in query:
            return CONTRACT_KEYED[key].name
    return CONTRACT_LIST.name


def ensure_indexes(db: Database[Doc]) -> None:
    create_indexes(db, INDEXES)
    ensure_outbox_indexes(db)
