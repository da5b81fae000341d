"""Quote numbers under parallel creation: every quote gets its own number, in sequence,
from the tenant's yearly counter; another tenant counts on its own.

On the in-memory storage (the unit suite); what reads stored documents or the
outbox stays in integration/test_quotes_numbering_grpc.py."""

import pytest
from crm.opportunity.v1 import opportunity_pb2 as pb
from opportunity_fake_support import ADMIN, account, deal
from quotes_numbering_calls import LINE

pytest_plugins = ["opportunity_fake_support"]


@pytest.fixture
def opportunity_stub(fake_opportunity_stub):
    return fake_opportunity_stub


def test_a_retried_create_with_its_key_returns_the_first_quote(opportunity_stub):
    stub = opportunity_stub
    opp = deal(stub, account(stub).id)
    request = pb.CreateQuoteRequest(
        opportunity_id=opp.id,
        quote=pb.QuoteInput(currency="CNY", lines=[LINE]),
        idempotency_key="quote-req-1",
    )
    first = stub.CreateQuote(request, metadata=ADMIN).quote
    second = stub.CreateQuote(request, metadata=ADMIN).quote
    assert (second.id, second.number) == (first.id, first.number)
    listed = stub.ListQuotes(pb.ListQuotesRequest(opportunity_id=opp.id), metadata=ADMIN).quotes
    assert [q.id for q in listed] == [first.id]
