"""Lists of deals, accounts, contacts and approvals: filters, sorts, cursor paging, data
scopes, and every query served by the index it names (explain())."""

import pytest
from crm_runtime.principal import Principal
from opportunity.accounts.listing import AccountQuery, ContactQuery
from opportunity.accounts.store import list_index
from opportunity.approvals.store import APPROVAL_SORT, approval_index
from opportunity.approvals.use_cases import ApprovalQuery
from opportunity.deals.listing import OpportunityQuery
from opportunity.deals.store import deal_index
from opportunity.domain.money import Money
from opportunity.indexes import ACCOUNT_LIST_KEYS, CONTACT_LIST_KEYS
from opportunity_grpc_support import account

pytest_plugins = ["opportunity_grpc_support", "indexes_lists_calls"]


def _plan(collection, query, hint, sort):
    cursor = collection.find({"tenant_id": "t1", **query}).sort(sort.spec).hint(hint)
    return str(cursor.explain()["queryPlanner"]["winningPlan"])


ALL = Principal("t1", "admin", ("admin",), "all")


OWN = Principal("t1", "rep-1", ("sales_rep",), "own", "east")


TEAM = Principal("t1", "boss", ("sales_manager",), "team", "east")


@pytest.mark.parametrize(
    ("principal", "query"),
    [
        (ALL, OpportunityQuery()),
        (OWN, OpportunityQuery(stages=["needs_confirmed"])),  # the benchmark's list
        (ALL, OpportunityQuery(stages=["solution"], owner_ids=["rep-1"])),
        (TEAM, OpportunityQuery(stages=["solution", "needs_confirmed"])),
        (ALL, OpportunityQuery(account_ids=["x"])),
        (ALL, OpportunityQuery(statuses=["open"], sort="-amount")),
        (OWN, OpportunityQuery(sort="expected_close_date", close_date_from="2030-01-01")),
        (ALL, OpportunityQuery(amount_min=Money.of(1, 0, "CNY"), sort="probability")),
        (ALL, OpportunityQuery(text="甲方")),
        (ALL, OpportunityQuery(pipeline_ids=["p"])),
    ],
)
def test_every_deal_list_runs_on_its_index(
    stub, deals, mongo_client, database_name, principal, query
):
    mongo, sort, _, _ = query.plan(principal)
    hint = deal_index(mongo, sort)
    plan = _plan(mongo_client[database_name].opportunities, mongo, hint, sort)
    assert "IXSCAN" in plan and "COLLSCAN" not in plan and hint in plan


@pytest.mark.parametrize(
    ("principal", "query"),
    [
        (ALL, AccountQuery()),
        (OWN, AccountQuery(tiers=["high"])),
        (TEAM, AccountQuery(text="甲方")),
        (ALL, AccountQuery(industries=["软件"])),
        (ALL, AccountQuery(sort="name")),
    ],
)
def test_every_account_list_runs_on_its_index(
    stub, deals, mongo_client, database_name, principal, query
):
    mongo, sort, _, _ = query.plan(principal)
    hint = list_index(ACCOUNT_LIST_KEYS, mongo, sort)
    if sort.field == "name_key":
        hint = "tenant_id_1_name_key_1__id_1"
    plan = _plan(mongo_client[database_name].accounts, mongo, hint, sort)
    assert "IXSCAN" in plan and "COLLSCAN" not in plan and hint in plan


@pytest.mark.parametrize(
    "query", [ContactQuery(), ContactQuery(account_id="a", roles=["user"]), ContactQuery(text="王")]
)
def test_every_contact_list_runs_on_its_index(stub, mongo_client, database_name, query):
    account(stub)
    mongo, sort, _, _ = query.plan(OWN)
    hint = list_index(CONTACT_LIST_KEYS, mongo, sort)
    plan = _plan(mongo_client[database_name].contacts, mongo, hint, sort)
    assert "IXSCAN" in plan and "COLLSCAN" not in plan and hint in plan


@pytest.mark.parametrize(
    ("principal", "query", "key"),
    [
        (ALL, ApprovalQuery(statuses=["pending"]), "status"),
        (OWN, ApprovalQuery(), "owner_id"),
        (TEAM, ApprovalQuery(), "team_id"),
        (ALL, ApprovalQuery(assigned_to_me=True), "approver_role"),
        (ALL, ApprovalQuery(opportunity_id="o", statuses=["pending"]), "opportunity_id"),
    ],
)
def test_every_approval_list_runs_on_its_index(
    stub, mongo_client, database_name, principal, query, key
):
    account(stub)
    mongo, _, _ = query.plan(principal)
    hint = approval_index(mongo)
    assert hint == f"tenant_id_1_{key}_1_requested_at_-1__id_-1"
    plan = _plan(mongo_client[database_name].approvals, mongo, hint, APPROVAL_SORT)
    assert "IXSCAN" in plan and "COLLSCAN" not in plan and hint in plan
