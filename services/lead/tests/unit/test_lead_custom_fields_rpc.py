"""Custom fields and channels through LeadService on an in-process server: definitions
per tenant, values typed in and out, retired fields keeping their values (the values in
the stored document: tests/integration/test_lead_custom_field_documents.py)."""

import grpc
import pytest
from crm.common.v1.common_pb2 import CustomFieldValue as Value
from crm.lead.v1 import lead_pb2 as pb
from custom_field_calls import ADMIN_A, ADMIN_B, FIELDS, TYPES, define, listed_fields, violations

from conftest import create


def test_definitions_are_per_tenant_and_listed_in_order(lead_stub):
    saved = define(lead_stub, FIELDS)
    assert [f.key for f in saved] == ["budget", "visit_date", "segment"]
    assert (
        saved[0].min_value == "0" and saved[0].decimals == 2 and not saved[0].HasField("max_value")
    )
    assert list(listed_fields(lead_stub).fields) == list(saved)
    assert list(listed_fields(lead_stub, ADMIN_B).fields) == []


def test_a_retired_field_keeps_its_values_and_refuses_new_ones(lead_stub):
    define(lead_stub, FIELDS)
    kept = create(
        lead_stub,
        ADMIN_A,
        custom_fields=[Value(key="budget", number="12"), Value(key="segment", text="中小企业")],
    ).lead
    define(lead_stub, [FIELDS[2]])  # budget and visit_date retired
    listed = listed_fields(lead_stub).fields
    assert [(f.key, f.retired) for f in listed] == [
        ("segment", False),
        ("budget", True),
        ("visit_date", True),
    ]
    again = lead_stub.GetLead(pb.GetLeadRequest(id=kept.id), metadata=ADMIN_A).lead
    assert Value(key="budget", number="12") in again.custom_fields
    with pytest.raises(grpc.RpcError) as err:
        create(
            lead_stub,
            ADMIN_A,
            custom_fields=[Value(key="budget", number="5"), Value(key="segment", text="大客户")],
        )
    assert violations(err) == {"custom_fields.budget": "was retired and takes no new values"}


def test_a_key_cannot_change_type_and_a_type_is_required(lead_stub):
    define(lead_stub, FIELDS)
    changed = pb.CustomFieldDefinition(
        key="budget", label="预算", type=TYPES.CUSTOM_FIELD_TYPE_TEXT
    )
    with pytest.raises(grpc.RpcError) as err:
        define(lead_stub, [changed])
    assert list(violations(err)) == ["fields[0].type"]
    with pytest.raises(grpc.RpcError) as err:
        define(lead_stub, [pb.CustomFieldDefinition(key="x", label="X")])
    assert violations(err) == {"fields[0].type": "must be one of text, number, date, choice"}
    assert [f.key for f in listed_fields(lead_stub).fields] == ["budget", "visit_date", "segment"]


def test_leads_are_listed_by_their_channel_tag(lead_stub):
    create(lead_stub, ADMIN_A, source="third_party", channel_detail="阿里巴巴")
    create(lead_stub, ADMIN_A, source="third_party", channel_detail="百度")
    request = pb.ListLeadsRequest(filter=pb.LeadFilter(tags=["third_party:阿里巴巴"]))
    found = lead_stub.ListLeads(request, metadata=ADMIN_A).leads
    assert [(lead.source, lead.channel_detail) for lead in found] == [("third_party", "阿里巴巴")]
