"""Lists of deals, accounts, contacts and approvals: filters, sorts, cursor paging, data
scopes, and every query served by the index it names (explain()).

On the in-memory storage (the unit suite); what reads stored documents or the
outbox stays in integration/test_indexes_lists.py."""

import pytest
from crm.opportunity.v1 import opportunity_pb2 as pb
from indexes_lists_calls import REP_1
from opportunity_fake_support import ADMIN, cny, md

pytest_plugins = ["opportunity_fake_support", "indexes_lists_calls"]


@pytest.fixture
def opportunity_stub(fake_opportunity_stub):
    return fake_opportunity_stub


MANAGER = md("boss", scope="team", team="east", roles=("sales_manager",))


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
