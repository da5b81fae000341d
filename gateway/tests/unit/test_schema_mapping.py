"""Response models filled by field name from proto messages: each proto type maps by
its rule, and what a model does not take one to one is an override."""

from datetime import UTC, datetime

import pytest
from crm.common.v1 import common_pb2
from crm.opportunity.v1 import opportunity_pb2 as pb
from gateway.schemas.accounts import AccountCreate, AccountOut
from gateway.schemas.mapping import enum_prefix, from_proto
from gateway.schemas.opportunities import OpportunityOut
from gateway.schemas.values import Money, custom_fields_in
from pydantic import BaseModel, ValidationError


def test_each_proto_type_maps_by_its_rule():
    account = pb.Account(id="a1", name="云图", tier=pb.ACCOUNT_TIER_HIGH, tags=["重点"])
    account.custom_fields.add(key="employees", number="320")
    account.created_at.FromDatetime(datetime(2026, 12, 1, tzinfo=UTC))
    out = from_proto(AccountOut, account)
    assert out.tier == "high" and out.tags == ["重点"]
    assert out.custom_fields == {"employees": 320}
    assert out.created_at == datetime(2026, 12, 1, tzinfo=UTC)
    assert out.last_activity_at is None  # absent, and the model allows None


def test_money_and_repeated_messages_become_models():
    deal = pb.Opportunity(id="o1", amount=common_pb2.Money(units=650000, currency="CNY"))
    deal.line_items.add(
        name="许可",
        quantity="2",
        unit_price=common_pb2.Money(units=5, nanos=500000000, currency="CNY"),
    )
    out = from_proto(OpportunityOut, deal)
    assert out.amount == Money(amount="650000", currency="CNY")
    assert out.line_items[0].name == "许可"
    assert out.line_items[0].unit_price == Money(amount="5.5", currency="CNY")
    assert out.status == ""  # UNSPECIFIED


def test_an_override_wins_and_a_message_without_a_rule_needs_one():
    class Named(BaseModel):
        id: str
        name: str

    assert from_proto(Named, pb.Account(id="a1", name="x"), name="y").name == "y"

    class Paged(BaseModel):
        page: str

    with pytest.raises(TypeError, match="override"):
        from_proto(Paged, pb.ListAccountsResponse())


def test_enum_prefixes_follow_the_proto_style():
    assert enum_prefix("AccountTier") == "ACCOUNT_TIER_"
    assert enum_prefix("FollowUpKind") == "FOLLOW_UP_KIND_"


def test_sales_custom_fields_are_a_map_and_numbers_stay_exact():
    body = AccountCreate.model_validate(
        {"name": "云图", "custom_fields": {"employees": 320, "segment": "制造", "gone": None}}
    )
    assert [(v.key, v.WhichOneof("value")) for v in custom_fields_in(body.custom_fields)] == [
        ("employees", "number"),
        ("segment", "text"),
    ]
    account = pb.Account(id="a1")
    account.custom_fields.add(key="share", number="0.12345678901234567890")
    account.custom_fields.add(key="visit", date="2026-12-01")
    assert from_proto(AccountOut, account).custom_fields == {
        "share": "0.12345678901234567890",
        "visit": "2026-12-01",
    }
    with pytest.raises(ValidationError):
        AccountCreate.model_validate({"name": "云图", "custom_fields": {"Bad Key": "x"}})
