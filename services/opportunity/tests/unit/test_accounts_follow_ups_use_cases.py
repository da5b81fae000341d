"""Follow-ups on deals and accounts, and the worker's checks (cadence reminders, dormant
accounts) run by two "replicas" at once : each fact once.

On the in-memory storage (the unit suite); what reads stored documents or the
outbox stays in integration/test_accounts_follow_ups.py."""

import grpc
import pytest
from accounts_follow_ups_calls import REP, log
from crm_runtime.rpc.errors import field_violations
from opportunity_fake_support import account, contact, md

pytest_plugins = ["opportunity_fake_support"]


@pytest.fixture
def opportunity_stub(fake_opportunity_stub):
    return fake_opportunity_stub


OTHER = md("rep-2", scope="own")


def test_bad_follow_ups_are_named_and_others_deals_are_not_found(stub):
    acme = account(stub, REP)
    other = account(stub, REP, name="别家")
    stranger = contact(stub, other.id, REP)
    with pytest.raises(grpc.RpcError) as err:
        log(stub, account_id=acme.id, kind=0, notes="", contact_id=stranger.id)
    assert {v.field for v in field_violations(err.value)} == {"kind", "notes", "contact_id"}
    with pytest.raises(grpc.RpcError) as err:
        log(stub, OTHER, account_id=acme.id)
    assert err.value.code() is grpc.StatusCode.NOT_FOUND
