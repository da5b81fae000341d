"""Quotes through OpportunityService: exact totals, versions,
the discount approval decided by the director, closed deals, tenants, expiry.

On the in-memory storage (the unit suite); what reads stored documents or the
outbox stays in integration/test_quotes_flow_grpc.py."""

import grpc
import pytest
from crm.opportunity.v1 import opportunity_pb2 as pb
from opportunity_fake_support import DIRECTOR, md
from quotes_flow_calls import REP, VAT_LINES, approval_of, create, fails, pending, yuan

pytest_plugins = ["opportunity_fake_support", "quotes_flow_calls"]


@pytest.fixture
def opportunity_stub(fake_opportunity_stub):
    return fake_opportunity_stub


OTHER_REP = md("rep-2", scope="own")
OTHER_TENANT = md("admin", tenant="t2", roles=("admin",))


def test_a_revision_is_a_new_draft_version_and_a_stale_one_is_refused(stub, opp):
    v1 = create(stub, opp.id, VAT_LINES)
    stub.IssueQuote(pb.IssueQuoteRequest(id=v1.id, version=1), metadata=REP)
    changed = pb.QuoteInput(currency="CNY", lines=VAT_LINES[:1])
    v2 = stub.ReviseQuote(
        pb.ReviseQuoteRequest(id=v1.id, quote=changed, expected_version=1), metadata=REP
    ).quote
    assert (v2.id, v2.number, v2.version, v2.status) == (v1.id, v1.number, 2, pb.QUOTE_STATUS_DRAFT)
    assert yuan(v2.total) == "6101.97"
    old = stub.GetQuote(pb.GetQuoteRequest(id=v1.id, version=1), metadata=REP).quote
    assert (old.status, yuan(old.total)) == (pb.QUOTE_STATUS_SUPERSEDED, "6337.50")
    stale = pb.ReviseQuoteRequest(id=v1.id, quote=changed, expected_version=1)
    fails(lambda: stub.ReviseQuote(stale, metadata=REP), grpc.StatusCode.ABORTED)
    fails(
        lambda: stub.IssueQuote(pb.IssueQuoteRequest(id=v1.id, version=1), metadata=REP),
        grpc.StatusCode.ABORTED,
    )
    latest = stub.ListQuotes(pb.ListQuotesRequest(opportunity_id=opp.id), metadata=REP).quotes
    assert [(q.id, q.version) for q in latest] == [(v1.id, 2)]
    every = stub.ListQuotes(
        pb.ListQuotesRequest(opportunity_id=opp.id, all_versions=True), metadata=REP
    ).quotes
    assert sorted(q.version for q in every) == [1, 2]
    superseded = stub.ListQuotes(
        pb.ListQuotesRequest(
            opportunity_id=opp.id, all_versions=True, statuses=[pb.QUOTE_STATUS_SUPERSEDED]
        ),
        metadata=REP,
    ).quotes
    assert [q.version for q in superseded] == [1]


def test_the_director_rejects_with_a_reason(stub, opp):
    quote, approval = pending(stub, opp)
    no_reason = pb.DecideApprovalRequest(approval_id=approval.id, decision=pb.DECISION_REJECT)
    fails(
        lambda: stub.DecideApproval(no_reason, metadata=DIRECTOR), grpc.StatusCode.INVALID_ARGUMENT
    )
    stub.DecideApproval(
        pb.DecideApprovalRequest(
            approval_id=approval.id, decision=pb.DECISION_REJECT, reason="折扣超出授权范围"
        ),
        metadata=DIRECTOR,
    )
    rejected = stub.GetQuote(pb.GetQuoteRequest(id=quote.id), metadata=REP).quote
    assert (rejected.status, rejected.rejection_reason) == (
        pb.QUOTE_STATUS_REJECTED,
        "折扣超出授权范围",
    )


def test_revising_a_waiting_quote_cancels_its_approval(stub, opp):
    quote, approval = pending(stub, opp)
    stub.ReviseQuote(
        pb.ReviseQuoteRequest(
            id=quote.id, quote=pb.QuoteInput(currency="CNY", lines=VAT_LINES), expected_version=1
        ),
        metadata=REP,
    )
    found = approval_of(stub, approval.id)
    assert found.status == pb.APPROVAL_STATUS_CANCELLED


def test_a_closed_deal_takes_no_quote(stub, opp):
    quote = create(stub, opp.id, VAT_LINES)
    stub.MarkLost(pb.MarkLostRequest(id=opp.id, loss_reason="price"), metadata=REP)
    err = fails(lambda: create(stub, opp.id, VAT_LINES), grpc.StatusCode.FAILED_PRECONDITION)
    assert "lost" in err.details() and "reopen" in err.details()
    fails(
        lambda: stub.IssueQuote(pb.IssueQuoteRequest(id=quote.id, version=1), metadata=REP),
        grpc.StatusCode.FAILED_PRECONDITION,
    )


@pytest.mark.parametrize("other", [OTHER_TENANT, OTHER_REP], ids=["tenant", "rep"])
def test_quotes_of_other_tenants_and_other_reps_do_not_exist(stub, opp, other):
    quote = create(stub, opp.id, VAT_LINES)
    calls = [
        lambda: stub.GetQuote(pb.GetQuoteRequest(id=quote.id), metadata=other),
        lambda: create(stub, opp.id, VAT_LINES, metadata=other),
        lambda: stub.ListQuotes(pb.ListQuotesRequest(opportunity_id=opp.id), metadata=other),
        lambda: stub.IssueQuote(pb.IssueQuoteRequest(id=quote.id, version=1), metadata=other),
        lambda: stub.ReviseQuote(
            pb.ReviseQuoteRequest(
                id=quote.id,
                quote=pb.QuoteInput(currency="CNY", lines=VAT_LINES),
                expected_version=1,
            ),
            metadata=other,
        ),
    ]
    for call in calls:
        fails(call, grpc.StatusCode.NOT_FOUND)
    assert stub.GetQuote(pb.GetQuoteRequest(id=quote.id), metadata=REP).quote.version == 1
