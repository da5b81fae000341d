"""UpdateLead, CheckDuplicates and MarkLeadConverted over gRPC on the embedded MongoDB."""

import grpc
import pytest
from crm.lead.v1 import lead_pb2 as pb

from conftest import ADMIN, configure, create, md

REP = md("rep-a", scope="own")
OTHER_TENANT = md("admin", tenant="t2")


def _update(stub, lead_id, mask, metadata=ADMIN, expected_version=0, **fields):
    return stub.UpdateLead(
        pb.UpdateLeadRequest(
            id=lead_id,
            lead=pb.LeadInput(**fields),
            update_mask=mask,
            expected_version=expected_version,
        ),
        metadata=metadata,
    ).lead


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
    updated = _update(
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


def test_a_stale_version_is_a_conflict_and_bad_input_names_the_field(lead_stub):
    lead = create(lead_stub).lead
    _update(lead_stub, lead.id, ["notes"], notes="第一次")
    with pytest.raises(grpc.RpcError) as stale:
        _update(lead_stub, lead.id, ["notes"], notes="第二次", expected_version=lead.version)
    assert stale.value.code() is grpc.StatusCode.ABORTED
    with pytest.raises(grpc.RpcError) as bad:
        _update(lead_stub, lead.id, ["phone"], phone="12345")
    assert bad.value.code() is grpc.StatusCode.INVALID_ARGUMENT and "phone" in bad.value.details()
    got = lead_stub.GetLead(pb.GetLeadRequest(id=lead.id), metadata=ADMIN).lead
    assert (got.notes, got.phone) == ("第一次", "")


def test_a_phone_changed_onto_another_lead_is_refused_or_flagged_by_policy(lead_stub):
    first = create(lead_stub, phone="13800138000").lead
    second = create(lead_stub, name="韩梅梅", phone="13900139000").lead
    configure(lead_stub, duplicate_policy="reject")
    with pytest.raises(grpc.RpcError) as refused:
        _update(lead_stub, second.id, ["phone"], phone="+86 138-0013-8000")
    assert refused.value.code() is grpc.StatusCode.ALREADY_EXISTS
    assert first.id in refused.value.details()
    configure(lead_stub, duplicate_policy="merge")  # an edit flags, never merges away
    flagged = _update(lead_stub, second.id, ["phone"], phone="+86 138-0013-8000")
    assert (flagged.duplicate_of, flagged.merged_into) == (first.id, "")
    unflagged = _update(lead_stub, second.id, ["phone"], phone="13700137000")
    assert unflagged.duplicate_of == ""


def test_duplicates_are_checked_before_capture_within_the_tenant_only(lead_stub):
    lead = create(lead_stub, phone="13800138000", email="a@b.cn").lead
    probe = pb.CheckDuplicatesRequest(lead=pb.LeadInput(phone="+86 13800138000", email="A@B.CN"))
    [match] = lead_stub.CheckDuplicates(probe, metadata=ADMIN).matches
    assert (match.lead_id, match.matched_on) == (lead.id, "phone,email")
    assert list(lead_stub.CheckDuplicates(probe, metadata=OTHER_TENANT).matches) == []


def test_a_rep_cannot_update_a_lead_they_do_not_see(lead_stub):
    lead = create(lead_stub).lead
    with pytest.raises(grpc.RpcError) as hidden:
        _update(lead_stub, lead.id, ["notes"], metadata=REP, notes="x")
    assert hidden.value.code() is grpc.StatusCode.NOT_FOUND
    with pytest.raises(grpc.RpcError) as other:
        _update(lead_stub, lead.id, ["notes"], metadata=OTHER_TENANT, notes="x")
    assert other.value.code() is grpc.StatusCode.NOT_FOUND


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
        _update(lead_stub, lead.id, ["notes"], metadata=REP, notes="x")
    assert edit.value.code() is grpc.StatusCode.FAILED_PRECONDITION


def test_only_a_qualified_lead_converts(lead_stub):
    lead = create(lead_stub).lead
    request = pb.MarkLeadConvertedRequest(
        id=lead.id, account_id="a", contact_id="c", opportunity_id="o"
    )
    with pytest.raises(grpc.RpcError) as refused:
        lead_stub.MarkLeadConverted(request, metadata=ADMIN)
    assert refused.value.code() in (
        grpc.StatusCode.FAILED_PRECONDITION,
        grpc.StatusCode.ABORTED,
    )
