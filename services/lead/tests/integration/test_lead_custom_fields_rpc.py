"""Custom fields and channels through LeadService on an in-process server, with the real
store on the embedded MongoDB: definitions per tenant, values typed in and out and in
the document, refusals that store nothing, retired fields keeping their values."""

from datetime import UTC, datetime
from decimal import Decimal

import grpc
import pytest
from bson.decimal128 import Decimal128
from crm.common.v1.common_pb2 import CustomFieldValue as Value
from crm.lead.v1 import lead_pb2 as pb
from crm_runtime.grpc_errors import field_violations
from crm_runtime.principal import Principal

from conftest import create

ADMIN_A = Principal("tenant-a", "u1", ("admin",), "all").to_metadata()
ADMIN_B = Principal("tenant-b", "u2", ("admin",), "all").to_metadata()
TYPES = pb.CustomFieldType

FIELDS = [
    pb.CustomFieldDefinition(
        key="budget", label="预算", type=TYPES.CUSTOM_FIELD_TYPE_NUMBER, min_value="0", decimals=2
    ),
    pb.CustomFieldDefinition(key="visit_date", label="拜访日期", type=TYPES.CUSTOM_FIELD_TYPE_DATE),
    pb.CustomFieldDefinition(
        key="segment",
        label="客户分层",
        type=TYPES.CUSTOM_FIELD_TYPE_CHOICE,
        choices=["大客户", "中小企业"],
        required=True,
    ),
]


def _define(stub, fields, md=ADMIN_A):
    request = pb.ReplaceCustomFieldDefinitionsRequest(fields=fields)
    return stub.ReplaceCustomFieldDefinitions(request, metadata=md).fields


def _listed(stub, md=ADMIN_A):
    return stub.ListCustomFieldDefinitions(pb.ListCustomFieldDefinitionsRequest(), metadata=md)


def _violations(err):
    return {v.field: v.description for v in field_violations(err.value)}


def test_definitions_are_per_tenant_and_listed_in_order(lead_stub):
    saved = _define(lead_stub, FIELDS)
    assert [f.key for f in saved] == ["budget", "visit_date", "segment"]
    assert (
        saved[0].min_value == "0" and saved[0].decimals == 2 and not saved[0].HasField("max_value")
    )
    assert list(_listed(lead_stub).fields) == list(saved)
    assert list(_listed(lead_stub, ADMIN_B).fields) == []


def test_values_go_in_as_text_or_typed_and_come_back_typed(lead_stub, mongo_client, database_name):
    _define(lead_stub, FIELDS)
    lead = create(
        lead_stub, ADMIN_A, source="trade_show", channel_detail="2026 上海工博会",
        custom_fields=[
            Value(key="budget", text="50000.50"),
            Value(key="visit_date", text="2026-12-01"),
            Value(key="segment", choice="大客户"),
        ],
    ).lead  # fmt: skip
    assert list(lead.custom_fields) == [
        Value(key="budget", number="50000.50"),
        Value(key="visit_date", date="2026-12-01"),
        Value(key="segment", choice="大客户"),
    ]
    assert lead.channel_detail == "2026 上海工博会"
    assert "trade_show:2026 上海工博会" in lead.tags
    got = lead_stub.GetLead(pb.GetLeadRequest(id=lead.id), metadata=ADMIN_A).lead
    assert got.custom_fields == lead.custom_fields
    doc = mongo_client[database_name].leads.find_one({"_id": lead.id})
    assert doc["custom_fields"] == [
        {"key": "budget", "type": "number", "value": Decimal128(Decimal("50000.50"))},
        {"key": "visit_date", "type": "date", "value": datetime(2026, 12, 1, tzinfo=UTC)},
        {"key": "segment", "type": "choice", "value": "大客户"},
    ]


def test_bad_values_are_refused_by_name_and_nothing_is_stored(
    lead_stub, mongo_client, database_name
):
    _define(lead_stub, FIELDS)
    db = mongo_client[database_name]
    before = db.outbox.count_documents({})
    with pytest.raises(grpc.RpcError) as err:
        create(
            lead_stub, ADMIN_A,
            custom_fields=[
                Value(key="budget", text="很多"),
                Value(key="visit_date", number="20261201"),
                Value(key="colour", text="red"),
            ],
        )  # fmt: skip
    assert err.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert _violations(err) == {
        "custom_fields.budget": "must be a number",
        "custom_fields.visit_date": "must be a date as YYYY-MM-DD",
        "custom_fields.colour": "is not a custom lead field of this tenant",
        "custom_fields.segment": "is required",
    }
    assert db.leads.count_documents({}) == 0 and db.outbox.count_documents({}) == before


def test_a_retired_field_keeps_its_values_and_refuses_new_ones(lead_stub):
    _define(lead_stub, FIELDS)
    kept = create(
        lead_stub, ADMIN_A,
        custom_fields=[Value(key="budget", number="12"), Value(key="segment", text="中小企业")],
    ).lead  # fmt: skip
    _define(lead_stub, [FIELDS[2]])  # budget and visit_date retired
    listed = _listed(lead_stub).fields
    assert [(f.key, f.retired) for f in listed] == [
        ("segment", False), ("budget", True), ("visit_date", True),
    ]  # fmt: skip
    again = lead_stub.GetLead(pb.GetLeadRequest(id=kept.id), metadata=ADMIN_A).lead
    assert Value(key="budget", number="12") in again.custom_fields
    with pytest.raises(grpc.RpcError) as err:
        create(lead_stub, ADMIN_A, custom_fields=[Value(key="budget", number="5"),
                                                   Value(key="segment", text="大客户")])  # fmt: skip
    assert _violations(err) == {"custom_fields.budget": "was retired and takes no new values"}


def test_a_key_cannot_change_type_and_a_type_is_required(lead_stub):
    _define(lead_stub, FIELDS)
    changed = pb.CustomFieldDefinition(
        key="budget", label="预算", type=TYPES.CUSTOM_FIELD_TYPE_TEXT
    )
    with pytest.raises(grpc.RpcError) as err:
        _define(lead_stub, [changed])
    assert list(_violations(err)) == ["fields[0].type"]
    with pytest.raises(grpc.RpcError) as err:
        _define(lead_stub, [pb.CustomFieldDefinition(key="x", label="X")])
    assert _violations(err) == {"fields[0].type": "must be one of text, number, date, choice"}
    assert [f.key for f in _listed(lead_stub).fields] == ["budget", "visit_date", "segment"]


def test_leads_are_listed_by_their_channel_tag(lead_stub):
    create(lead_stub, ADMIN_A, source="third_party", channel_detail="阿里巴巴")
    create(lead_stub, ADMIN_A, source="third_party", channel_detail="百度")
    request = pb.ListLeadsRequest(filter=pb.LeadFilter(tags=["third_party:阿里巴巴"]))
    found = lead_stub.ListLeads(request, metadata=ADMIN_A).leads
    assert [(lead.source, lead.channel_detail) for lead in found] == [("third_party", "阿里巴巴")]
