"""Every contract list and look-up runs on the index it names (explain(): an IXSCAN of
that index, no collection scan), so it stays fast on a real MongoDB at millions."""

from __future__ import annotations

from decimal import Decimal

import pytest
from contract.contracts.documents import version_key
from contract.contracts.store import ContractFilter, list_query
from contract.indexes import (
    CONTRACT_NUMBERS,
    NEWEST_FIRST,
    TEMPLATE_CODES,
    VERSION_SORT,
    VERSIONS_OF_CONTRACT,
    contract_list_index,
    ensure_indexes,
)
from crm_runtime.principal import Principal

ALL = Principal("t1", "legal-1", ("legal",), "all")
OWN = Principal("t1", "rep-1", ("sales_rep",), "own", "east")
TEAM = Principal("t1", "boss", ("sales_manager",), "team", "east")


@pytest.fixture
def db(mongo_client, database_name):
    db = mongo_client[database_name]
    ensure_indexes(db)
    return db


def _plan(collection, query, hint, sort):
    cursor = collection.find({"tenant_id": "t1", **query}).sort(sort).hint(hint)
    return str(cursor.explain()["queryPlanner"]["winningPlan"])


@pytest.mark.parametrize(
    ("principal", "filter_"),
    [
        (ALL, ContractFilter()),
        (OWN, ContractFilter()),
        (TEAM, ContractFilter(statuses=("draft",))),
        (ALL, ContractFilter(statuses=("pending_approval", "approved"))),
        (ALL, ContractFilter(account_ids=("a",), value_min=Decimal(1))),
        (ALL, ContractFilter(opportunity_id="o")),
        (ALL, ContractFilter(text="云图")),
        (ALL, ContractFilter(template_id="t", effective_from="2026-01-01")),
        (ALL, ContractFilter(team_ids=("east",))),
        (ALL, ContractFilter(awaiting_caller=True)),
        (OWN, ContractFilter(signed_from="2026-01-01", signed_to="2026-12-31")),
    ],
)
def test_every_contract_list_runs_on_its_index(db, principal, filter_):
    query = list_query(filter_, principal)
    hint = contract_list_index(query)
    plan = _plan(db.contracts, query, hint, NEWEST_FIRST.spec)
    assert "IXSCAN" in plan and "COLLSCAN" not in plan and hint in plan
    assert hint != "tenant_id_1_created_at_-1__id_-1" or not (
        set(query) - {"$and", "value", "start_date"}
    )


def test_look_ups_run_on_their_indexes(db):
    plan = _plan(db.contracts, {"number": "HT-2026-000001"}, CONTRACT_NUMBERS.name, [("_id", 1)])
    assert CONTRACT_NUMBERS.name in plan
    plan = _plan(
        db.contract_versions, {"contract_id": "c"}, VERSIONS_OF_CONTRACT.name, VERSION_SORT.spec
    )
    assert VERSIONS_OF_CONTRACT.name in plan and "IXSCAN" in plan
    plan = _plan(db.contract_templates, {"code": "SALES-STD"}, TEMPLATE_CODES.name, [("_id", 1)])
    assert TEMPLATE_CODES.name in plan
    assert version_key("c", 2) == "c:2"  # versions are read by _id
