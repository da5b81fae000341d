"""UpdateLead, CheckDuplicates and MarkLeadConverted (the events they record, in the
store's outbox: tests/integration/test_lead_edit_events.py)."""

import grpc
import pytest
from crm.lead.v1 import lead_pb2 as pb

from conftest import ADMIN, configure, create, md, update_lead

REP = md("rep-a", scope="own")
OTHER_TENANT = md("admin", tenant="t2")


def test_a_stale_version_is_a_conflict_and_bad_input_names_the_field(lead_stub):
    lead = create(lead_stub).lead
    update_lead(lead_stub, lead.id, ["notes"], notes="第一次")
    with pytest.raises(grpc.RpcError) as stale:
        update_lead(lead_stub, lead.id, ["notes"], notes="第二次", expected_version=lead.version)
    assert stale.value.code() is grpc.StatusCode.ABORTED
    with pytest.raises(grpc.RpcError) as bad:
        update_lead(lead_stub, lead.id, ["phone"], phone="12345")
    assert bad.value.code() is grpc.StatusCode.INVALID_ARGUMENT and "phone" in bad.value.details()
    got = lead_stub.GetLead(pb.GetLeadRequest(id=lead.id), metadata=ADMIN).lead
    assert (got.notes, got.phone) == ("第一次", "")


def test_a_phone_changed_onto_another_lead_is_refused_or_flagged_by_policy(lead_stub):
    first = create(lead_stub, phone="13800138000").lead
    second = create(lead_stub, name="韩梅梅", phone="13900139000").lead
    configure(lead_stub, duplicate_policy="reject")
    with pytest.raises(grpc.RpcError) as refused:
        update_lead(lead_stub, second.id, ["phone"], phone="+86 138-0013-8000")
    assert refused.value.code() is grpc.StatusCode.ALREADY_EXISTS
    assert first.id in refused.value.details()
    configure(lead_stub, duplicate_policy="merge")  # an edit flags, never merges away
    flagged = update_lead(lead_stub, second.id, ["phone"], phone="+86 138-0013-8000")
    assert (flagged.duplicate_of, flagged.merged_into) == (first.id, "")
    unflagged = update_lead(lead_stub, second.id, ["phone"], phone="13700137000")
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
        update_lead(lead_stub, lead.id, ["notes"], metadata=REP, notes="x")
    assert hidden.value.code() is grpc.StatusCode.NOT_FOUND
    with pytest.raises(grpc.RpcError) as other:
        update_lead(lead_stub, lead.id, ["notes"], metadata=OTHER_TENANT, notes="x")
    assert other.value.code() is grpc.StatusCode.NOT_FOUND


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
