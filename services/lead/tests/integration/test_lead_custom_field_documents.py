"""Custom field values through LeadService with the real store on the embedded MongoDB:
typed in the document, and refusals that store nothing (the rest of custom fields:
tests/unit/test_lead_custom_fields_rpc.py)."""

from datetime import UTC, datetime
from decimal import Decimal

import grpc
import pytest
from bson.decimal128 import Decimal128
from crm.common.v1.common_pb2 import CustomFieldValue as Value
from crm.lead.v1 import lead_pb2 as pb
from custom_field_calls import ADMIN_A, FIELDS, define, violations

from conftest import create


def test_values_go_in_as_text_or_typed_and_come_back_typed(lead_stub, mongo_client, database_name):
    define(lead_stub, FIELDS)
    lead = create(
        lead_stub,
        ADMIN_A,
        source="trade_show",
        channel_detail="2026 上海工博会",
        custom_fields=[
            Value(key="budget", text="50000.50"),
            Value(key="visit_date", text="2026-12-01"),
            Value(key="segment", choice="大客户"),
        ],
    ).lead
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
    define(lead_stub, FIELDS)
    db = mongo_client[database_name]
    before = db.outbox.count_documents({})
    with pytest.raises(grpc.RpcError) as err:
        create(
            lead_stub,
            ADMIN_A,
            custom_fields=[
                Value(key="budget", text="很多"),
                Value(key="visit_date", number="20261201"),
                Value(key="colour", text="red"),
            ],
        )
    assert err.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert violations(err) == {
        "custom_fields.budget": "must be a number",
        "custom_fields.visit_date": "must be a date as YYYY-MM-DD",
        "custom_fields.colour": "is not a custom lead field of this tenant",
        "custom_fields.segment": "is required",
    }
    assert db.leads.count_documents({}) == 0 and db.outbox.count_documents({}) == before
