"""Every collection and index the lead service declares, in one place (created by the api
and the worker at start; creating an existing index again does nothing). Lists and
look-ups name their index from here, so a query and its index cannot drift apart."""

from __future__ import annotations

from crm_runtime.messaging.outbox import ensure_outbox_indexes
from crm_runtime.storage.mongo import Doc
from crm_runtime.storage.repository import IndexSpec, create_indexes, tenant_index
from pymongo.database import Database

from lead.config_store import CURSORS, REPS
from lead.imports.store import CHUNKS, ERRORS, IMPORTS
from lead.imports.store import NEWEST as IMPORTS_NEWEST
from lead.store import (
    CLAIMS,
    DEDUP_FIELDS,
    DEDUP_KEYS,
    FOLLOW_UPS,
    FOLLOW_UPS_NEWEST,
    LEADS,
    LIST_KEYS,
    NEWEST,
)

LEAD_INDEXES = (
    *(tenant_index(LEADS, (key, 1), ("merged_into", 1)) for key in DEDUP_FIELDS),
    tenant_index(LEADS, *NEWEST.index_spec),
    *(tenant_index(LEADS, (key, 1), *NEWEST.index_spec) for key in LIST_KEYS),
    IndexSpec(LEADS, (("next_check_at", 1),)),  # the worker's timers
    tenant_index(FOLLOW_UPS, ("lead_id", 1), *FOLLOW_UPS_NEWEST.index_spec),
    tenant_index(CLAIMS, ("rep_id", 1), ("at", 1)),
)
CONFIG_INDEXES = (
    tenant_index(REPS, ("rep_id", 1), unique=True),
    IndexSpec(REPS, (("pending.at", 1),), sparse=True),  # the worker's sweep of held slots
    tenant_index(CURSORS, ("group", 1), unique=True),
    tenant_index(DEDUP_KEYS, ("key", 1), unique=True),
)
IMPORT_INDEXES = (
    tenant_index(IMPORTS, ("idempotency", 1), unique=True),
    tenant_index(IMPORTS, *IMPORTS_NEWEST.index_spec),
    tenant_index(IMPORTS, ("created_by", 1), *IMPORTS_NEWEST.index_spec),
    IndexSpec(IMPORTS, (("status", 1), ("lease_until", 1))),  # the runner's queue
    tenant_index(CHUNKS, ("upload_id", 1), ("seq", 1), unique=True),
    IndexSpec(CHUNKS, (("created_at", 1),)),
    tenant_index(ERRORS, ("job_id", 1), ("row", 1)),
)


def ensure_indexes(db: Database[Doc]) -> None:
    create_indexes(db, (*LEAD_INDEXES, *CONFIG_INDEXES, *IMPORT_INDEXES))
    ensure_outbox_indexes(db)
