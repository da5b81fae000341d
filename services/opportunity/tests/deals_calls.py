"""What the unit and integration tests of deals share."""

from __future__ import annotations

import grpc
import pytest
from crm.opportunity.v1 import opportunity_pb2 as pb
from opportunity_calls import account, cny, contact, deal, md, move

REP = md("rep-1", scope="own")


DOC = pb.ArtefactInput(
    kind="signed_requirements_doc", name="需求确认书", file_uri="s3://docs/req-1.pdf"
)


@pytest.fixture
def ready(stub):
    """An account of rep-1 with a contact, and a deal with amount and close date."""
    acme = account(stub, REP)
    kdm = contact(stub, acme.id, REP, role=pb.CONTACT_ROLE_DECISION_MAKER)
    opp = deal(stub, acme.id, REP, expected_close_date="2030-06-30", primary_contact_id=kdm.id)
    return acme, kdm, opp


def at_solution(stub, amount):
    """A deal of rep-1 of `amount` yuan with a close date and a primary contact, moved on
    to the solution stage (the next move needs the requirements document)."""
    acme = account(stub, REP)
    kdm = contact(stub, acme.id, REP)
    opp = deal(
        stub,
        acme.id,
        REP,
        amount=cny(amount),
        expected_close_date="2030-01-31",
        primary_contact_id=kdm.id,
    )
    for stage in ("needs_confirmed", "solution"):
        move(stub, opp.id, stage, REP)
    return opp


def fails(call, code):
    with pytest.raises(grpc.RpcError) as err:
        call()
    assert err.value.code() is code, err.value.details()
    return err.value
