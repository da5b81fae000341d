"""What the unit and integration tests of accounts follow ups share."""

from __future__ import annotations

from crm.opportunity.v1 import opportunity_pb2 as pb
from opportunity_calls import md

REP = md("rep-1", scope="own")


def log(stub, metadata=REP, **fields):
    fields = {"kind": pb.FOLLOW_UP_KIND_CALL, "notes": "电话沟通", **fields}
    return stub.LogFollowUp(pb.LogFollowUpRequest(**fields), metadata=metadata).follow_up
