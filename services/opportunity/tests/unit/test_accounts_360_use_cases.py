"""GetAccount360Parts: an account's contacts, open and closed
deals, recent follow-ups on it and its deals, the open pipeline and won sums as exact
decimals, within the caller's scope and tenant.

On the in-memory storage (the unit suite)."""

import grpc
import pytest
from crm.opportunity.v1 import opportunity_pb2 as pb
from opportunity_fake_support import account, cny, contact, deal, md

pytest_plugins = ["opportunity_fake_support"]


@pytest.fixture
def opportunity_stub(fake_opportunity_stub):
    return fake_opportunity_stub


REP = md("rep-1", scope="own")
OTHER_REP = md("rep-2", scope="own")
OTHER_TENANT = md("admin", tenant="t2", roles=("admin",))


def parts(stub, account_id, metadata=REP) -> pb.GetAccount360PartsResponse:
    request = pb.GetAccount360PartsRequest(account_id=account_id)
    return stub.GetAccount360Parts(request, metadata=metadata)


def test_the_parts_split_deals_sum_them_and_list_follow_ups(opportunity_stub):
    stub = opportunity_stub
    acme = account(stub, REP)
    kdm = contact(stub, acme.id, REP, role=pb.CONTACT_ROLE_DECISION_MAKER)
    open_a = deal(stub, acme.id, REP, amount=cny(100_000, 100_000_000))
    deal(stub, acme.id, REP, name="二期", amount=cny(20_000, 250_000_000))
    won = deal(stub, acme.id, REP, name="已签", amount=cny(50_000))
    stub.MarkWon(
        pb.MarkWonRequest(id=won.id, closed_date="2026-01-15", amount=cny(55_000, 10_000_000)),
        metadata=REP,
    )
    lost = deal(stub, acme.id, REP, name="丢单", amount=cny(999_999))
    stub.MarkLost(pb.MarkLostRequest(id=lost.id, loss_reason="price"), metadata=REP)
    deal(stub, account(stub, REP, name="别家公司").id, REP, amount=cny(7))
    for target in ({"account_id": acme.id}, {"opportunity_id": open_a.id}):
        stub.LogFollowUp(
            pb.LogFollowUpRequest(kind=pb.FOLLOW_UP_KIND_CALL, notes="电话沟通", **target),
            metadata=REP,
        )
    found = parts(stub, acme.id)
    assert found.account.id == acme.id
    assert [c.id for c in found.contacts] == [kdm.id]
    assert {o.name for o in found.open_opportunities} == {open_a.name, "二期"}
    # lost today, won on 2026-01-15 (its closed_date): most recently closed first
    assert [o.id for o in found.closed_opportunities] == [lost.id, won.id]
    assert found.open_pipeline == cny(120_000, 350_000_000)
    assert found.won_total == cny(55_000, 10_000_000)
    assert len(found.recent_follow_ups) == 2
    assert {f.opportunity_id for f in found.recent_follow_ups} == {"", open_a.id}


def test_an_account_without_priced_deals_has_no_sums(opportunity_stub):
    acme = account(opportunity_stub, REP)
    found = parts(opportunity_stub, acme.id)
    assert not found.HasField("open_pipeline") and not found.HasField("won_total")
    assert list(found.open_opportunities) == [] and list(found.recent_follow_ups) == []


@pytest.mark.parametrize("metadata", [OTHER_REP, OTHER_TENANT])
def test_another_reps_or_tenants_account_is_not_found(opportunity_stub, metadata):
    acme = account(opportunity_stub, REP)
    with pytest.raises(grpc.RpcError) as hidden:
        parts(opportunity_stub, acme.id, metadata)
    assert hidden.value.code() is grpc.StatusCode.NOT_FOUND
