"""ListLeads by account_id: the leads converted into one account (customer 360), within
the caller's tenant."""

from crm.lead.v1 import lead_pb2 as pb

from conftest import ADMIN, configure, create, md

REP = md("rep-a", scope="own")
OTHER_TENANT = md("admin", tenant="t2")


def _converted(stub, account_id: str, company: str) -> pb.Lead:
    lead = create(stub, company=company).lead
    stub.AssignLead(pb.AssignLeadRequest(id=lead.id, owner_id="rep-a"), metadata=ADMIN)
    for status in (pb.LEAD_STATUS_CONTACTED, pb.LEAD_STATUS_QUALIFIED):
        stub.ChangeLeadStatus(pb.ChangeLeadStatusRequest(id=lead.id, status=status), metadata=REP)
    request = pb.MarkLeadConvertedRequest(
        id=lead.id, account_id=account_id, contact_id=f"c-{lead.id}", opportunity_id=f"o-{lead.id}"
    )
    return stub.MarkLeadConverted(request, metadata=REP).lead


def _listed(stub, account_id: str, metadata=ADMIN) -> list[str]:
    request = pb.ListLeadsRequest(filter=pb.LeadFilter(account_id=account_id))
    return [lead.id for lead in stub.ListLeads(request, metadata=metadata).leads]


def test_the_leads_converted_into_an_account_are_listed_by_it(lead_stub):
    configure(lead_stub, reps=[{"id": "rep-a"}])
    first = _converted(lead_stub, "acc-1", "华为")
    second = _converted(lead_stub, "acc-1", "中兴")
    _converted(lead_stub, "acc-2", "小米")
    create(lead_stub, company="未转化")
    assert sorted(_listed(lead_stub, "acc-1")) == sorted([first.id, second.id])
    assert sorted(_listed(lead_stub, "acc-1", REP)) == sorted([first.id, second.id])
    assert _listed(lead_stub, "acc-1", OTHER_TENANT) == []
    assert _listed(lead_stub, "acc-9") == []
