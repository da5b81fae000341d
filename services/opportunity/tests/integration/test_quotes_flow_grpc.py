"""Quotes through OpportunityService on the embedded MongoDB: exact totals, versions,
the discount approval decided by the director, closed deals, tenants, expiry."""

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import grpc
from crm.opportunity.v1 import opportunity_pb2 as pb
from crm_runtime.clock import utcnow
from crm_runtime.messaging.outbox import OutboxWriter
from crm_runtime.rpc.errors import field_violations
from crm_runtime.storage.mongo import UnitOfWork
from opportunity.checks import OpportunityChecks
from opportunity.mongo_storage import MongoOpportunityStorage
from opportunity.quotes.use_cases import tenant_today
from opportunity_grpc_support import DIRECTOR
from quotes_flow_calls import (
    REP,
    VAT_LINES,
    approval_of,
    create,
    fails,
    pending,
    price,
    yuan,
)

pytest_plugins = ["opportunity_grpc_support", "quotes_flow_calls"]


def test_totals_are_exact_to_the_fen_with_vat_and_a_discount(
    stub, opp, mongo_client, database_name
):
    quote = create(stub, opp.id, VAT_LINES, terms="款到发货")
    assert (quote.version, quote.status, quote.opportunity_id) == (
        1,
        pb.QUOTE_STATUS_DRAFT,
        opp.id,
    )
    assert quote.number.startswith(f"Q-{tenant_today(utcnow()).year}-")
    first, second = quote.lines
    assert [
        yuan(first.list_amount),
        yuan(first.discount_amount),
        yuan(first.net_amount),
        yuan(first.tax_amount),
        yuan(first.total),
    ] == ["5999.97", "600.00", "5399.97", "702.00", "6101.97"]
    assert [yuan(second.net_amount), yuan(second.tax_amount), yuan(second.total)] == [
        "222.20",
        "13.33",
        "235.53",
    ]
    assert [
        yuan(quote.list_total),
        yuan(quote.discount_total),
        yuan(quote.net_total),
        yuan(quote.tax_total),
        yuan(quote.total),
    ] == ["6222.17", "600.00", "5622.17", "715.33", "6337.50"]
    assert (quote.discount_percent, first.quantity, first.tax_percent) == ("9.64", "3", "13")
    again = stub.GetQuote(pb.GetQuoteRequest(id=quote.id), metadata=REP).quote
    assert again == quote
    [created] = mongo_client[database_name].outbox.find({"event_type": "QuoteCreated"})
    assert created["envelope"]["payload"]["quote_id"] == quote.id
    issued = stub.IssueQuote(pb.IssueQuoteRequest(id=quote.id, version=1), metadata=REP)
    assert (issued.outcome, issued.quote.status, issued.quote.issued_by) == (
        pb.ISSUE_QUOTE_OUTCOME_ISSUED,
        pb.QUOTE_STATUS_ISSUED,
        "rep-1",
    )
    assert mongo_client[database_name].outbox.count_documents({"event_type": "QuoteIssued"}) == 1


def test_bad_lines_are_named_and_nothing_is_written(stub, opp, mongo_client, database_name):
    bad = [
        pb.QuoteLineInput(
            description="x",
            quantity="-1",
            unit_price=price(10),
            discount_percent="120",
            tax_percent="abc",
        )
    ]
    err = fails(lambda: create(stub, opp.id, bad), grpc.StatusCode.INVALID_ARGUMENT)
    assert {v.field for v in field_violations(err)} == {
        "lines[0].quantity",
        "lines[0].discount_percent",
        "lines[0].tax_percent",
    }
    assert mongo_client[database_name].quotes.count_documents({}) == 0


def test_a_big_discount_waits_for_the_director_who_approves(stub, opp, mongo_client, database_name):
    quote, approval = pending(stub, opp)
    again = stub.IssueQuote(pb.IssueQuoteRequest(id=quote.id, version=1), metadata=REP)
    assert again.approval_id == approval.id  # a retry opens no second approval
    fails(
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
        pb.QUOTE_STATUS_ISSUED,
        "rep-1",
        approval.id,
    )
    outbox = mongo_client[database_name].outbox
    for kind in ("QuoteApprovalRequested", "QuoteApprovalDecided", "QuoteIssued"):
        assert outbox.count_documents({"event_type": kind}) == 1, kind


def test_issued_and_waiting_quotes_expire_after_their_last_day(
    stub, opp, mongo_client, database_name
):
    tomorrow = (tenant_today(utcnow()) + timedelta(days=1)).isoformat()
    issued = create(stub, opp.id, VAT_LINES, valid_until=tomorrow)
    stub.IssueQuote(pb.IssueQuoteRequest(id=issued.id, version=1), metadata=REP)
    waiting, approval = pending(stub, opp)
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
        for q in (
            stub.GetQuote(pb.GetQuoteRequest(id=i), metadata=REP).quote
            for i in (issued.id, waiting.id, draft.id)
        )
    }
    assert statuses == {
        issued.id: pb.QUOTE_STATUS_EXPIRED,
        waiting.id: pb.QUOTE_STATUS_EXPIRED,
        draft.id: pb.QUOTE_STATUS_DRAFT,
    }
    found = approval_of(stub, approval.id)
    assert found.status == pb.APPROVAL_STATUS_CANCELLED
    expired = mongo_client[database_name].outbox.count_documents({"event_type": "QuoteExpired"})
    assert expired == 2
