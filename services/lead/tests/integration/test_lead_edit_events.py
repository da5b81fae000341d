"""UpdateLead and MarkLeadConverted over gRPC on the embedded MongoDB: the events they
record in the outbox (the rest of their rules: tests/unit/test_lead_edits.py)."""

import grpc
import pytest
from crm.lead.v1 import lead_pb2 as pb

from conftest import ADMIN, configure, create, md, update_lead

REP = md("rep-a", scope="own")


def _outbox(mongo_client, database_name, event_type, lead_id):
    return list(
        mongo_client[database_name]["outbox"].find(
            {"event_type": event_type, "envelope.aggregate_id": lead_id}
        )
    )


def test_an_update_changes_the_masked_fields_rescoring_and_recording_what_changed(
    lead_stub, mongo_client, database_name
):
    lead = create(lead_stub, phone="13800138000").lead
    updated = update_lead(
        lead_stub,
        lead.id,
        ["email", "company"],
        email="Li.Lei@Example.COM",
        company="华为",
        name="x",
    )
    assert (updated.email, updated.company, updated.name) == ("li.lei@example.com", "华为", "李雷")
    assert updated.version == lead.version + 1
    assert updated.score > lead.score  # completeness counts email and company
    [event] = _outbox(mongo_client, database_name, "LeadUpdated", lead.id)
    assert sorted(event["envelope"]["payload"]["changed_fields"]) == ["company", "email"]


def _qualified(stub):
    configure(stub, reps=[{"id": "rep-a"}])
    lead = create(stub, company="华为").lead
    stub.AssignLead(pb.AssignLeadRequest(id=lead.id, owner_id="rep-a"), metadata=ADMIN)
    for status in (pb.LEAD_STATUS_CONTACTED, pb.LEAD_STATUS_QUALIFIED):
        stub.ChangeLeadStatus(pb.ChangeLeadStatusRequest(id=lead.id, status=status), metadata=REP)
    return lead


def test_conversion_links_the_lead_once_and_retries_change_nothing(
    lead_stub, mongo_client, database_name
):
    lead = _qualified(lead_stub)
    request = pb.MarkLeadConvertedRequest(
        id=lead.id, account_id="acc-1", contact_id="con-1", opportunity_id="opp-1"
    )
    converted = lead_stub.MarkLeadConverted(request, metadata=REP).lead
    again = lead_stub.MarkLeadConverted(request, metadata=REP).lead
    assert converted.status == pb.LEAD_STATUS_CONVERTED
    assert (converted.account_id, converted.opportunity_id) == ("acc-1", "opp-1")
    assert again.version == converted.version
    assert len(_outbox(mongo_client, database_name, "LeadConverted", lead.id)) == 1
    other = pb.MarkLeadConvertedRequest(
        id=lead.id, account_id="acc-2", contact_id="con-2", opportunity_id="opp-2"
    )
    with pytest.raises(grpc.RpcError) as twice:
        lead_stub.MarkLeadConverted(other, metadata=REP)
    assert twice.value.code() is grpc.StatusCode.FAILED_PRECONDITION
    with pytest.raises(grpc.RpcError) as edit:
        update_lead(lead_stub, lead.id, ["notes"], metadata=REP, notes="x")
    assert edit.value.code() is grpc.StatusCode.FAILED_PRECONDITION
