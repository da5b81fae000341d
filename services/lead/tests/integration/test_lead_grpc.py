"""LeadService on an in-process server with the real store on the embedded MongoDB."""

import grpc
import pytest
from crm.lead.v1 import lead_pb2
from crm_runtime.principal import Principal
from crm_runtime.rpc.errors import field_violations

from conftest import create

ADMIN_A = Principal("tenant-a", "u1", ("admin",), "all").to_metadata()
ADMIN_B = Principal("tenant-b", "u2", ("admin",), "all").to_metadata()
OTHER_REP_A = Principal("tenant-a", "u3", ("sales_rep",), "own").to_metadata()


@pytest.fixture
def stub(lead_stub):
    return lead_stub


def _create(stub, md=ADMIN_A, **fields):
    return create(
        stub, md, **{"name": "李雷", "phone": "+86 139-0013-8000", "source": "wechat", **fields}
    )


def test_create_stores_the_lead_and_its_event_together(stub, mongo_client, database_name):
    lead = _create(stub).lead
    assert lead.phone == "+8613900138000" and lead.status == lead_pb2.LEAD_STATUS_NEW
    db = mongo_client[database_name]
    assert db.leads.find_one({"_id": lead.id})["tenant_id"] == "tenant-a"
    events = list(db.outbox.find(sort=[("created_at", 1), ("seq", 1)]))
    assert events[0]["event_type"] == "LeadCreated"
    assert {e["envelope"]["aggregate_id"] for e in events} == {lead.id}
    assert {e["envelope"]["tenant_id"] for e in events} == {"tenant-a"}


def test_read_back(stub):
    created = _create(stub).lead
    got = stub.GetLead(lead_pb2.GetLeadRequest(id=created.id), metadata=ADMIN_A).lead
    assert got == created


def test_invalid_lead_names_each_field_and_leaves_no_trace(stub, mongo_client, database_name):
    with pytest.raises(grpc.RpcError) as err:
        _create(stub, name="", phone="12", email="nope", source="fax")
    assert err.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert {v.field for v in field_violations(err.value)} == {"name", "phone", "email", "source"}
    db = mongo_client[database_name]
    assert db.leads.count_documents({}) == 0
    assert db.outbox.count_documents({}) == 0


def test_another_tenant_cannot_read_it(stub):
    lead = _create(stub).lead
    with pytest.raises(grpc.RpcError) as err:
        stub.GetLead(lead_pb2.GetLeadRequest(id=lead.id), metadata=ADMIN_B)
    assert err.value.code() is grpc.StatusCode.NOT_FOUND


def test_a_rep_cannot_read_another_reps_lead(stub):
    lead = _create(stub).lead
    with pytest.raises(grpc.RpcError) as err:
        stub.GetLead(lead_pb2.GetLeadRequest(id=lead.id), metadata=OTHER_REP_A)
    assert err.value.code() is grpc.StatusCode.NOT_FOUND
