"""Every collection and index of the opportunity service, in one place. The stores name
the index each list runs on (`hint=`) from the same keys, so a list and the index that
serves it cannot drift apart; `ensure_indexes` creates them all when a process starts.
This module imports no other module of the service (no cycle)."""

from __future__ import annotations

from typing import Any

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

# Collections ----------------------------------------------------------------------------
ACCOUNTS, ACCOUNT_KEYS, CONTACTS, FOLLOW_UPS = "accounts", "account_keys", "contacts", "follow_ups"
REQUEST_KEYS = "request_keys"
OPPORTUNITIES, STAGE_CHANGES, APPROVALS = "opportunities", "stage_changes", "approvals"
PIPELINES, PIPELINE_VERSIONS, SETTINGS = "pipelines", "pipeline_versions", "opportunity_settings"
QUOTES, QUOTE_COUNTERS = "quotes", "quote_counters"
CONVERSIONS, CLAIMS = "conversions", "conversion_claims"

# Sorts ------------------------------------------------------------------------------------
# Fields indexed ascending; every other sort field is indexed descending (newest, largest
# first). A sort either way runs on its index, walked backwards when needed.
ASCENDING_SORTS = frozenset({"name_key", "close_date"})


def sort_key(field: str, descending: bool, kind: str = "instant") -> SortKey:
    """The sort on `field`, knowing the direction its index holds."""
    return SortKey(field, descending, kind, 1 if field in ASCENDING_SORTS else -1)


QUOTE_SORT = sort_key("created_at", descending=True)
APPROVAL_SORT = SortKey("requested_at", descending=True)

NEWEST: list[IndexKey] = [("created_at", -1), ("_id", -1)]
BY_TIME: list[IndexKey] = [("at", -1), ("_id", -1)]
REQUESTED: list[IndexKey] = [("requested_at", -1), ("_id", -1)]

# Equality keys a list may lead its index with, most selective first ---------------------
ACCOUNT_LIST_KEYS = ("owner_id", "team_id", "tier", "industry", "region", "tags", "search_tokens")
CONTACT_LIST_KEYS = ("account_id", "owner_id", "team_id", "search_tokens")
FOLLOW_UP_KEYS = ("account_id", "opportunity_id")
DEAL_KEYS = ("account_id", "owner_id", "search_tokens", "team_id", "stage", "pipeline_id", "status")
# Pairs with their own index: a rep's (or a manager's team's) deals in some stages.
DEAL_PAIRS = (("owner_id", "stage"), ("team_id", "stage"))
# Other sorts of deals than newest first, each indexed alone and after an owner or team.
OTHER_DEAL_SORTS = ("amount_value", "close_date", "probability")
APPROVAL_KEYS = ("opportunity_id", "owner_id", "team_id", "approver_role", "status")

# Indexes by name, for the stores' hints ------------------------------------------------
QUOTE_BY_VERSION = tenant_index(QUOTES, ("quote_id", 1), ("version", 1), unique=True)
QUOTES_OF_DEAL = tenant_index(QUOTES, ("opportunity_id", 1), *NEWEST)
LATEST_QUOTES_OF_DEAL = tenant_index(QUOTES, ("opportunity_id", 1), ("latest", 1), *NEWEST)
QUOTES_DUE = IndexSpec(QUOTES, (("next_check_at", 1),))
CONVERSIONS_OF_LEAD = tenant_index(CONVERSIONS, ("lead_id", 1))
STAGE_HISTORY = tenant_index(STAGE_CHANGES, ("opportunity_id", 1), ("seq", 1))
CONTACTS_OF_ACCOUNT = tenant_index(CONTACTS, ("account_id", 1), *NEWEST)
DEALS_OF_ACCOUNT = tenant_index(OPPORTUNITIES, ("account_id", 1), *NEWEST)


def filters_on(key: str, query: dict[str, Any]) -> bool:
    """Whether `query` holds a condition on `key`, at its top or inside its `$and`."""
    return key in query or any(key in clause for clause in query.get("$and", []))


def _accounts() -> list[IndexSpec]:
    specs = [tenant_index(ACCOUNTS, (key, 1)) for key in ("name_key", "unified_social_credit_code")]
    specs += [
        tenant_index(ACCOUNTS, *NEWEST),
        tenant_index(ACCOUNTS, *sort_key("name_key", False).index_spec),
        *(tenant_index(ACCOUNTS, (key, 1), *NEWEST) for key in ACCOUNT_LIST_KEYS),
        IndexSpec(ACCOUNTS, (("next_check_at", 1),)),
        tenant_index(ACCOUNT_KEYS, ("key", 1), unique=True),
        tenant_index(CONTACTS, *NEWEST),
        *(tenant_index(CONTACTS, (key, 1), *NEWEST) for key in CONTACT_LIST_KEYS),
        *(tenant_index(FOLLOW_UPS, (key, 1), *BY_TIME) for key in FOLLOW_UP_KEYS),
    ]
    return specs


def _deals() -> list[IndexSpec]:
    specs = [tenant_index(OPPORTUNITIES, *NEWEST)]
    specs += [tenant_index(OPPORTUNITIES, (key, 1), *NEWEST) for key in DEAL_KEYS]
    specs += [tenant_index(OPPORTUNITIES, (a, 1), (b, 1), *NEWEST) for a, b in DEAL_PAIRS]
    for field in OTHER_DEAL_SORTS:
        tail = sort_key(field, False).index_spec
        specs.append(tenant_index(OPPORTUNITIES, *tail))
        specs += [tenant_index(OPPORTUNITIES, (key, 1), *tail) for key in ("owner_id", "team_id")]
    specs += [IndexSpec(OPPORTUNITIES, (("next_check_at", 1),)), STAGE_HISTORY]
    specs.append(tenant_index(APPROVALS, *REQUESTED))
    specs += [tenant_index(APPROVALS, (key, 1), *REQUESTED) for key in APPROVAL_KEYS]
    return specs


def _configuration_quotes_and_conversions() -> list[IndexSpec]:
    return [
        tenant_index(PIPELINES, *NEWEST),
        tenant_index(PIPELINES, ("is_default", 1)),
        tenant_index(PIPELINE_VERSIONS, ("pipeline_id", 1), ("version", 1), unique=True),
        QUOTE_BY_VERSION,
        QUOTES_OF_DEAL,
        LATEST_QUOTES_OF_DEAL,
        QUOTES_DUE,
        CONVERSIONS_OF_LEAD,
    ]


INDEXES: tuple[IndexSpec, ...] = (
    *_accounts(),
    *_deals(),
    *_configuration_quotes_and_conversions(),
)


def ensure_indexes(db: Database[Doc]) -> None:
    """Every index the service declares, and the outbox's."""
    create_indexes(db, INDEXES)
    ensure_outbox_indexes(db)
