"""Lists of deals, accounts, contacts and approvals: filters, sorts, cursor paging, data
scopes, and every query served by the index it names (explain())."""

import pytest
from crm.opportunity.v1 import opportunity_pb2 as pb
from crm_runtime.principal import Principal
from opportunity.accounts.listing import AccountQuery, ContactQuery
from opportunity.accounts.store import list_index
from opportunity.approvals.store import APPROVAL_SORT, approval_index
from opportunity.approvals.use_cases import ApprovalQuery
from opportunity.deals.listing import OpportunityQuery
from opportunity.deals.store import deal_index
from opportunity.domain.money import Money
from opportunity.indexes import ACCOUNT_LIST_KEYS, CONTACT_LIST_KEYS
from opportunity_grpc_support import ADMIN, account, cny, deal, md, move

pytest_plugins = ["opportunity_grpc_support"]  # fixtures: opportunity_stub

REP_1 = md("rep-1", scope="own", team="east")
REP_2 = md("rep-2", scope="own", team="east")
MANAGER = md("boss", scope="team", team="east", roles=("sales_manager",))


@pytest.fixture
def stub(opportunity_stub):
    return opportunity_stub


@pytest.fixture
def deals(stub):
    """Five deals of two reps of team east, in two stages, with amounts and dates."""
    acme = account(stub, REP_1, name="甲方科技")
    beta = account(stub, REP_2, name="乙方贸易")
    made = {}
    for name, who, acc, amount, close in (
        ("a1", REP_1, acme, 100, "2030-01-10"),
        ("a2", REP_1, acme, 500, "2030-01-31"),
        ("a3", REP_1, acme, 900, "2030-02-01"),
        ("b1", REP_2, beta, 300, "2030-01-20"),
        ("b2", REP_2, beta, 50, ""),
    ):
        made[name] = deal(
            stub, acc.id, who, name=f"项目{name}", amount=cny(amount), expected_close_date=close
        )
    for name, who in (("a2", REP_1), ("a3", REP_1), ("b1", REP_2)):
        move(stub, made[name].id, "needs_confirmed", who)
    return made


def _names(stub, metadata=ADMIN, sort="", **filters):
    reply = stub.ListOpportunities(
        pb.ListOpportunitiesRequest(filter=pb.OpportunityFilter(**filters), sort=sort),
        metadata=metadata,
    )
    return [o.name.removeprefix("项目") for o in reply.opportunities]


def test_filters_by_stage_and_owner_within_the_callers_scope(stub, deals):
    assert _names(stub, stages=["needs_confirmed"], owner_ids=["rep-1"]) == ["a3", "a2"]
    assert _names(stub, REP_1) == ["a3", "a2", "a1"]
    assert _names(stub, REP_1, owner_ids=["rep-2"]) == []  # a rep cannot list another's deals
    assert _names(stub, MANAGER, stages=["needs_confirmed"]) == ["b1", "a3", "a2"]


def test_ranges_include_both_ends(stub, deals):
    assert _names(stub, amount_min=cny(100), amount_max=cny(500), sort="amount") == [
        "a1",
        "b1",
        "a2",
    ]
    assert _names(stub, amount_max=cny(50)) == ["b2"]
    assert _names(
        stub, close_date_from="2030-01-10", close_date_to="2030-01-31", sort="expected_close_date"
    ) == [
        "a1",
        "b1",
        "a2",
    ]
    assert _names(stub, close_date_to="2030-01-10") == ["a1"]
    assert _names(stub, probability_min=30, probability_max=30) == ["b1", "a3", "a2"]
    account_id = deals["b1"].account_id
    assert _names(stub, account_ids=[account_id], text="乙方") == ["b2", "b1"]
    assert _names(stub, sort="-amount") == ["a3", "a2", "b1", "a1", "b2"]


def test_pages_cover_every_deal_once_in_any_sort(stub, deals):
    for sort in ("", "amount", "-amount", "expected_close_date", "-probability"):
        seen, cursor = [], ""
        while True:
            reply = stub.ListOpportunities(
                pb.ListOpportunitiesRequest(sort=sort, page={"limit": 2, "cursor": cursor}),
                metadata=ADMIN,
            )
            seen += [o.id for o in reply.opportunities]
            if not (cursor := reply.page.next_cursor):
                break
        assert sorted(seen) == sorted(o.id for o in deals.values()) and len(seen) == 5, sort


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
    [(ALL, AccountQuery()), (OWN, AccountQuery(tiers=["high"])), (TEAM, AccountQuery(text="甲方")),
     (ALL, AccountQuery(industries=["软件"])), (ALL, AccountQuery(sort="name"))],
)  # fmt: skip
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
