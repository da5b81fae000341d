"""What the unit and integration tests of quotes flow share."""

from __future__ import annotations

import grpc
import pytest
from crm.common.v1 import common_pb2
from crm.opportunity.v1 import opportunity_pb2 as pb
from opportunity_calls import DIRECTOR, account, deal, md

REP = md("rep-1", scope="own")


def price(units: int, nanos: int = 0) -> common_pb2.Money:
    return common_pb2.Money(currency="CNY", units=units, nanos=nanos)


def yuan(m: common_pb2.Money) -> str:
    """'6101.97' from units + nanos (fen exact)."""
    return f"{m.units}.{m.nanos // 10_000_000:02d}"


# 3 × ¥1,999.99 at 10 % off with 13 % VAT, and 2.5 × ¥88.88 with 6 % VAT
VAT_LINES = [
    pb.QuoteLineInput(
        product_code="CLOUD-ENT",
        description="企业版年费",
        quantity="3",
        unit="套",
        unit_price=price(1999, 990_000_000),
        discount_percent="10",
        tax_percent="13",
    ),
    pb.QuoteLineInput(
        description="实施服务",
        quantity="2.5",
        unit="人天",
        unit_price=price(88, 880_000_000),
        tax_percent="6",
    ),
]


BIG_DISCOUNT = [
    pb.QuoteLineInput(
        description="旗舰版",
        quantity="1",
        unit_price=price(100_000),
        discount_percent="25",
        tax_percent="13",
    ),
]


@pytest.fixture
def opp(stub):
    return deal(stub, account(stub, REP).id, REP)


def fails(call, code):
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


def pending(stub, opp):
    quote = create(stub, opp.id, BIG_DISCOUNT)
    issued = stub.IssueQuote(
        pb.IssueQuoteRequest(id=quote.id, version=1, note="战略客户"), metadata=REP
    )
    assert (issued.outcome, issued.quote.status) == (
        pb.ISSUE_QUOTE_OUTCOME_APPROVAL_PENDING,
        pb.QUOTE_STATUS_PENDING_APPROVAL,
    )
    queue = stub.ListApprovals(
        pb.ListApprovalsRequest(assigned_to_me=True, kinds=[pb.APPROVAL_KIND_QUOTE_DISCOUNT]),
        metadata=DIRECTOR,
    ).approvals
    [approval] = queue
    assert (approval.id, approval.quote_id, approval.quote_version) == (
        issued.approval_id,
        quote.id,
        1,
    )
    assert (approval.discount_percent, approval.threshold_percent, approval.note) == (
        "25",
        "15",
        "战略客户",
    )
    assert yuan(approval.amount) == "84750.00"
    return quote, approval
