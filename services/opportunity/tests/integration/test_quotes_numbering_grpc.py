"""Quote numbers under parallel creation: every quote gets its own number, in sequence,
from the tenant's yearly counter; another tenant counts on its own."""

from concurrent.futures import ThreadPoolExecutor

from crm.opportunity.v1 import opportunity_pb2 as pb
from crm_runtime.clock import utcnow
from opportunity.quotes.use_cases import tenant_today
from opportunity_grpc_support import ADMIN, account, deal, md
from quotes_numbering_calls import LINE

pytest_plugins = ["opportunity_grpc_support"]


OTHER_TENANT = md("admin", tenant="t2", roles=("admin",))


def _create(stub, opp_id, metadata=ADMIN):
    request = pb.CreateQuoteRequest(
        opportunity_id=opp_id, quote=pb.QuoteInput(currency="CNY", lines=[LINE])
    )
    return stub.CreateQuote(request, metadata=metadata).quote


def test_eight_parallel_quotes_get_eight_sequential_numbers(opportunity_stub):
    stub = opportunity_stub
    opp = deal(stub, account(stub).id)
    with ThreadPoolExecutor(max_workers=8) as pool:
        quotes = list(pool.map(lambda _: _create(stub, opp.id), range(8)))
    year = tenant_today(utcnow()).year
    assert sorted(q.number for q in quotes) == [f"Q-{year}-{n:06d}" for n in range(1, 9)]
    assert len({q.id for q in quotes}) == 8
    other = deal(stub, account(stub, OTHER_TENANT).id, OTHER_TENANT)
    assert _create(stub, other.id, OTHER_TENANT).number == f"Q-{year}-000001"
