"""The duplicate look-ups every capture (and CheckDuplicates) runs are index look-ups,
whatever the number of leads: the plan the store's own queries get, without a hint."""

from lead.domain.dedup import keys_of_draft
from lead.domain.lead import LeadDraft
from lead.store import duplicate_lookups

from conftest import create

CONTACT = {"phone": "13900139000", "email": "Wang.Fang@Example.cn", "company": "云图科技"}


def test_each_duplicate_lookup_is_served_by_its_own_index(lead_stub, mongo_client, database_name):
    create(lead_stub, name="王芳", **CONTACT)
    queries = duplicate_lookups(keys_of_draft(LeadDraft(name="王芳", **CONTACT)))
    assert [next(iter(q)) for q in queries] == ["phone", "email", "company_key"]
    leads = mongo_client[database_name].leads
    for query in queries:
        found = leads.find({"tenant_id": "t1", **query}).limit(50)
        plan = str(found.explain()["queryPlanner"]["winningPlan"])
        assert f"tenant_id_1_{next(iter(query))}_1_merged_into_1" in plan
        assert "COLLSCAN" not in plan


def test_a_lead_without_contact_details_looks_nothing_up():
    assert duplicate_lookups(keys_of_draft(LeadDraft(name="王芳", source="web"))) == []
