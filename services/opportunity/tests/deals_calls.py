"""What the unit and integration tests of deals share."""

from __future__ import annotations

import grpc
import pytest
from crm.opportunity.v1 import opportunity_pb2 as pb
from opportunity_calls import account, contact, deal, md

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


def fails(call, code):
    with pytest.raises(grpc.RpcError) as err:
        call()
    assert err.value.code() is code, err.value.details()
    return err.value
