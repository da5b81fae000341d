"""ListLeads by creation time: `created_from` and `created_to` are both inclusive, as
every range of the API (docs/api.md); a range that ends before it starts names the field."""

import grpc
import pytest
from crm.lead.v1 import lead_pb2 as pb
from google.protobuf.timestamp_pb2 import Timestamp

from conftest import ADMIN, create


def _listed(stub, start: Timestamp, end: Timestamp) -> list[str]:
    request = pb.ListLeadsRequest(filter=pb.LeadFilter(created_from=start, created_to=end))
    return [lead.id for lead in stub.ListLeads(request, metadata=ADMIN).leads]


def test_a_lead_created_at_either_end_of_the_range_is_in_it(lead_stub):
    lead = create(lead_stub, company="华为").lead
    at = lead.created_at
    assert lead.id in _listed(lead_stub, at, at)
    later = Timestamp(seconds=at.seconds + 1, nanos=at.nanos)
    earlier = Timestamp(seconds=at.seconds - 1, nanos=at.nanos)
    assert lead.id in _listed(lead_stub, earlier, at)
    assert lead.id in _listed(lead_stub, at, later)
    assert lead.id not in _listed(lead_stub, later, Timestamp(seconds=at.seconds + 2))


def test_a_range_that_ends_before_it_starts_names_created_from(lead_stub):
    now = create(lead_stub, company="中兴").lead.created_at
    with pytest.raises(grpc.RpcError) as refused:
        _listed(lead_stub, Timestamp(seconds=now.seconds + 1), now)
    assert refused.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert "created_from: must not be after created_to" in refused.value.details()
