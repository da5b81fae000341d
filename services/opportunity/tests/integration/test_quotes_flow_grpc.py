"""Quotes through OpportunityService on the embedded MongoDB: exact totals, versions,
the discount approval decided by the director, closed deals, tenants, expiry."""

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import grpc
import pytest
from crm.common.v1 import common_pb2
from crm.opportunity.v1 import opportunity_pb2 as pb
from crm_runtime.clock import utcnow
from crm_runtime.grpc_errors import field_violations
from crm_runtime.mongo import UnitOfWork
from crm_runtime.outbox import OutboxWriter
from opportunity.checks import OpportunityChecks
from opportunity.quotes.use_cases import tenant_today
from opportunity.storage import MongoOpportunityStorage
from opportunity_grpc_support import DIRECTOR, account, deal, md

pytest_plugins = ["opportunity_grpc_support"]  # fixtures: opportunity_stub

REP = md("rep-1", scope="own")
OTHER_REP = md("rep-2", scope="own")
OTHER_TENANT = md("admin", tenant="t2", roles=("admin",))


def price(units: int, nanos: int = 0) -> common_pb2.Money:
    return common_pb2.Money(currency="CNY", units=units, nanos=nanos)


def yuan(m: common_pb2.Money) -> str:
    """'6101.97' from units + nanos (fen exact)."""
    return f"{m.units}.{m.nanos // 10_000_000:02d}"


# 3 × ¥1,999.99 at 10 % off with 13 % VAT, and 2.5 × ¥88.88 with 6 % VAT
VAT_LINES = [
    pb.QuoteLineInput(product_code="CLOUD-ENT", description="企业版年费", quantity="3", unit="套",
                      unit_price=price(1999, 990_000_000), discount_percent="10", tax_percent="13"),
    pb.QuoteLineInput(description="实施服务", quantity="2.5", unit="人天",
                      unit_price=price(88, 880_000_000), tax_percent="6"),
]  # fmt: skip
BIG_DISCOUNT = [
    pb.QuoteLineInput(description="旗舰版", quantity="1", unit_price=price(100_000),
                      discount_percent="25", tax_percent="13"),
]  # fmt: skip


@pytest.fixture
def stub(opportunity_stub):
    return opportunity_stub


@pytest.fixture
def opp(stub):
    return deal(stub, account(stub, REP).id, REP)


def _fails(call, code):
    with pytest.raises(grpc.RpcError) as err:
        call()
    assert err.value.code() is code, err.value.details()
    return err.value


def approval_of(stub, approval_id):
    queue = stub.ListApprovals(pb.ListApprovalsRequest(assigned_to_me=True), metadata=DIRECTOR)
    [found] = [a for a in queue.approvals if a.id == approval_id]
    return found


def create(stub, opp_id, lines, metadata=REP, **fields):
    quote = pb.QuoteInput(currency="CNY", lines=lines, **fields)
    return stub.CreateQuote(
        pb.CreateQuoteRequest(opportunity_id=opp_id, quote=quote), metadata=metadata
    ).quote


def test_totals_are_exact_to_the_fen_with_vat_and_a_discount(
    stub, opp, mongo_client, database_name
):
    quote = create(stub, opp.id, VAT_LINES, terms="款到发货")
    assert (quote.version, quote.status, quote.opportunity_id) == (
        1, pb.QUOTE_STATUS_DRAFT, opp.id,
    )  # fmt: skip
    assert quote.number.startswith(f"Q-{tenant_today(utcnow()).year}-")
    first, second = quote.lines
    assert [yuan(first.list_amount), yuan(first.discount_amount), yuan(first.net_amount),
            yuan(first.tax_amount), yuan(first.total)] == [
        "5999.97", "600.00", "5399.97", "702.00", "6101.97"]  # fmt: skip
    assert [yuan(second.net_amount), yuan(second.tax_amount), yuan(second.total)] == [
        "222.20", "13.33", "235.53"]  # fmt: skip
    assert [yuan(quote.list_total), yuan(quote.discount_total), yuan(quote.net_total),
            yuan(quote.tax_total), yuan(quote.total)] == [
        "6222.17", "600.00", "5622.17", "715.33", "6337.50"]  # fmt: skip
    assert (quote.discount_percent, first.quantity, first.tax_percent) == ("9.64", "3", "13")
    again = stub.GetQuote(pb.GetQuoteRequest(id=quote.id), metadata=REP).quote
    assert again == quote
    [created] = mongo_client[database_name].outbox.find({"event_type": "QuoteCreated"})
    assert created["envelope"]["payload"]["quote_id"] == quote.id
    issued = stub.IssueQuote(pb.IssueQuoteRequest(id=quote.id, version=1), metadata=REP)
    assert (issued.outcome, issued.quote.status, issued.quote.issued_by) == (
        pb.ISSUE_QUOTE_OUTCOME_ISSUED, pb.QUOTE_STATUS_ISSUED, "rep-1",
    )  # fmt: skip
    assert mongo_client[database_name].outbox.count_documents({"event_type": "QuoteIssued"}) == 1


def test_bad_lines_are_named_and_nothing_is_written(stub, opp, mongo_client, database_name):
    bad = [pb.QuoteLineInput(description="x", quantity="-1", unit_price=price(10),
                             discount_percent="120", tax_percent="abc")]  # fmt: skip
    err = _fails(lambda: create(stub, opp.id, bad), grpc.StatusCode.INVALID_ARGUMENT)
    assert {v.field for v in field_violations(err)} == {
        "lines[0].quantity", "lines[0].discount_percent", "lines[0].tax_percent",
    }  # fmt: skip
    assert mongo_client[database_name].quotes.count_documents({}) == 0


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
    _fails(lambda: stub.ReviseQuote(stale, metadata=REP), grpc.StatusCode.ABORTED)
    _fails(
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
        pb.ListQuotesRequest(opportunity_id=opp.id, all_versions=True,
                             statuses=[pb.QUOTE_STATUS_SUPERSEDED]), metadata=REP,
    ).quotes  # fmt: skip
    assert [q.version for q in superseded] == [1]


def _pending(stub, opp):
    quote = create(stub, opp.id, BIG_DISCOUNT)
    issued = stub.IssueQuote(
        pb.IssueQuoteRequest(id=quote.id, version=1, note="战略客户"), metadata=REP
    )
    assert (issued.outcome, issued.quote.status) == (
        pb.ISSUE_QUOTE_OUTCOME_APPROVAL_PENDING, pb.QUOTE_STATUS_PENDING_APPROVAL,
    )  # fmt: skip
    queue = stub.ListApprovals(
        pb.ListApprovalsRequest(assigned_to_me=True, kinds=[pb.APPROVAL_KIND_QUOTE_DISCOUNT]),
        metadata=DIRECTOR,
    ).approvals
    [approval] = queue
    assert (approval.id, approval.quote_id, approval.quote_version) == (
        issued.approval_id, quote.id, 1,
    )  # fmt: skip
    assert (approval.discount_percent, approval.threshold_percent, approval.note) == (
        "25", "15", "战略客户",
    )  # fmt: skip
    assert yuan(approval.amount) == "84750.00"
    return quote, approval


def test_a_big_discount_waits_for_the_director_who_approves(stub, opp, mongo_client, database_name):
    quote, approval = _pending(stub, opp)
    again = stub.IssueQuote(pb.IssueQuoteRequest(id=quote.id, version=1), metadata=REP)
    assert again.approval_id == approval.id  # a retry opens no second approval
    _fails(
        lambda: stub.DecideApproval(
            pb.DecideApprovalRequest(approval_id=approval.id, decision=pb.DECISION_APPROVE),
            metadata=REP,
        ),
        grpc.StatusCode.PERMISSION_DENIED,
    )
    decided = stub.DecideApproval(
        pb.DecideApprovalRequest(approval_id=approval.id, decision=pb.DECISION_APPROVE),
        metadata=DIRECTOR,
    )
    assert decided.approval.status == pb.APPROVAL_STATUS_APPROVED
    issued = stub.GetQuote(pb.GetQuoteRequest(id=quote.id), metadata=REP).quote
    assert (issued.status, issued.issued_by, issued.approval_id) == (
        pb.QUOTE_STATUS_ISSUED, "rep-1", approval.id,
    )  # fmt: skip
    outbox = mongo_client[database_name].outbox
    for kind in ("QuoteApprovalRequested", "QuoteApprovalDecided", "QuoteIssued"):
        assert outbox.count_documents({"event_type": kind}) == 1, kind


def test_the_director_rejects_with_a_reason(stub, opp):
    quote, approval = _pending(stub, opp)
    no_reason = pb.DecideApprovalRequest(approval_id=approval.id, decision=pb.DECISION_REJECT)
    _fails(
        lambda: stub.DecideApproval(no_reason, metadata=DIRECTOR), grpc.StatusCode.INVALID_ARGUMENT
    )
    stub.DecideApproval(
        pb.DecideApprovalRequest(approval_id=approval.id, decision=pb.DECISION_REJECT,
                                 reason="折扣超出授权范围"), metadata=DIRECTOR,
    )  # fmt: skip
    rejected = stub.GetQuote(pb.GetQuoteRequest(id=quote.id), metadata=REP).quote
    assert (rejected.status, rejected.rejection_reason) == (
        pb.QUOTE_STATUS_REJECTED, "折扣超出授权范围",
    )  # fmt: skip


def test_revising_a_waiting_quote_cancels_its_approval(stub, opp):
    quote, approval = _pending(stub, opp)
    stub.ReviseQuote(
        pb.ReviseQuoteRequest(id=quote.id, quote=pb.QuoteInput(currency="CNY", lines=VAT_LINES),
                              expected_version=1), metadata=REP,
    )  # fmt: skip
    found = approval_of(stub, approval.id)
    assert found.status == pb.APPROVAL_STATUS_CANCELLED


def test_a_closed_deal_takes_no_quote(stub, opp):
    quote = create(stub, opp.id, VAT_LINES)
    stub.MarkLost(pb.MarkLostRequest(id=opp.id, loss_reason="price"), metadata=REP)
    err = _fails(lambda: create(stub, opp.id, VAT_LINES), grpc.StatusCode.FAILED_PRECONDITION)
    assert "lost" in err.details() and "reopen" in err.details()
    _fails(
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
        _fails(call, grpc.StatusCode.NOT_FOUND)
    assert stub.GetQuote(pb.GetQuoteRequest(id=quote.id), metadata=REP).quote.version == 1


def test_issued_and_waiting_quotes_expire_after_their_last_day(
    stub, opp, mongo_client, database_name
):
    tomorrow = (tenant_today(utcnow()) + timedelta(days=1)).isoformat()
    issued = create(stub, opp.id, VAT_LINES, valid_until=tomorrow)
    stub.IssueQuote(pb.IssueQuoteRequest(id=issued.id, version=1), metadata=REP)
    waiting, approval = _pending(stub, opp)
    draft = create(stub, opp.id, VAT_LINES, valid_until=tomorrow)
    uow = UnitOfWork(mongo_client, database_name, OutboxWriter("opportunity"))
    assert OpportunityChecks(MongoOpportunityStorage(uow), clock=utcnow).run() == 0  # not due yet
    later = utcnow() + timedelta(days=40)
    replicas = [
        OpportunityChecks(MongoOpportunityStorage(uow), clock=lambda: later) for _ in range(2)
    ]
    with ThreadPoolExecutor(max_workers=2) as pool:  # two workers at once: each acts once
        changed = sum(pool.map(lambda checks: checks.run(), replicas))
    assert changed >= 2  # the two quotes (and the idle deal's reminder)
    replicas[0].run()  # nothing more to expire
    statuses = {
        q.id: q.status
        for q in (stub.GetQuote(pb.GetQuoteRequest(id=i), metadata=REP).quote
                  for i in (issued.id, waiting.id, draft.id))
    }  # fmt: skip
    assert statuses == {
        issued.id: pb.QUOTE_STATUS_EXPIRED, waiting.id: pb.QUOTE_STATUS_EXPIRED,
        draft.id: pb.QUOTE_STATUS_DRAFT,
    }  # fmt: skip
    found = approval_of(stub, approval.id)
    assert found.status == pb.APPROVAL_STATUS_CANCELLED
    expired = mongo_client[database_name].outbox.count_documents({"event_type": "QuoteExpired"})
    assert expired == 2
