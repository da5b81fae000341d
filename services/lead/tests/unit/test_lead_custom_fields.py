"""Custom lead fields: definitions a tenant replaces (retired, never deleted; a key keeps
its type) and the values every capture is checked against, each rule named."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from crm_runtime.errors import ValidationFailed
from lead.domain.custom_fields import (
    CustomFieldDefinition,
    CustomFieldSchema,
    CustomValue,
    FieldType,
    check_values,
    merge_values,
    replace_definitions,
)
from lead.domain.dedup import merge
from lead.domain.lead import LeadDraft, create_lead

NOW = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
T, N, D, C = FieldType.TEXT, FieldType.NUMBER, FieldType.DATE, FieldType.CHOICE

BUDGET = CustomFieldDefinition("budget", "预算", N, min_value=Decimal(0), decimals=2)
VISIT = CustomFieldDefinition("visit_date", "拜访日期", D)
SEGMENT = CustomFieldDefinition("segment", "客户分层", C, choices=("大客户", "中小企业"))
WECHAT = CustomFieldDefinition("wechat_id", "微信号", T, required=True, max_length=20)
SCHEMA = CustomFieldSchema((BUDGET, VISIT, SEGMENT, WECHAT))


def _check(*values, schema=SCHEMA):
    return check_values([CustomValue(k, t, v) for k, t, v in values], schema)


def _rules(violations):
    return {v.field: v.description for v in violations}


def test_text_from_a_form_is_typed_by_the_field():
    values, violations = _check(
        ("budget", T, "５００００.5"),  # full-width digits, as some keyboards type them
        ("visit_date", T, " 2026-12-01 "),
        ("segment", T, "大客户"),
        ("wechat_id", T, "zhangwei_88"),
    )
    assert violations == []
    assert values == (
        CustomValue("budget", N, Decimal("50000.5")),
        CustomValue("visit_date", D, date(2026, 12, 1)),
        CustomValue("segment", C, "大客户"),
        CustomValue("wechat_id", T, "zhangwei_88"),
    )


def test_typed_values_are_kept_and_come_back_in_the_schemas_order():
    values, violations = _check(
        ("wechat_id", T, "zw"), ("visit_date", D, date(2026, 1, 2)), ("budget", N, Decimal("1E+3"))
    )
    assert violations == []
    assert [v.key for v in values] == ["budget", "visit_date", "wechat_id"]
    assert values[0].value == Decimal("1000") and str(values[0].value) == "1000"


def test_every_broken_rule_is_named_at_once():
    _, violations = _check(
        ("budget", T, "很多"),
        ("visit_date", T, "2026-02-30"),
        ("segment", T, "政府"),
        ("nickname", T, "x"),
    )
    assert _rules(violations) == {
        "custom_fields.budget": "must be a number",
        "custom_fields.visit_date": "is not a real date",
        "custom_fields.segment": "must be one of 大客户, 中小企业",
        "custom_fields.nickname": "is not a custom lead field of this tenant",
        "custom_fields.wechat_id": "is required",
    }


@pytest.mark.parametrize(
    ("value", "rule"),
    [
        (("budget", T, "-1"), "must be at least 0"),
        (("budget", T, "10.555"), "must have at most 2 decimal places"),
        (("budget", T, "1234567890123456"), "must have at most 15 significant digits"),
        (("budget", T, "NaN"), "must be a number"),
        (("budget", T, "Infinity"), "must be a number"),
        (("budget", D, date(2026, 1, 1)), "must be a number"),
        (("visit_date", T, "2026/12/01"), "must be a date as YYYY-MM-DD"),
        (("visit_date", T, "20261201"), "must be a date as YYYY-MM-DD"),
        (("visit_date", N, Decimal(20261201)), "must be a date as YYYY-MM-DD"),
        (("wechat_id", N, Decimal(5)), "must be text"),
        (("wechat_id", T, "x" * 21), "must be at most 20 characters"),
        (("segment", N, Decimal(1)), "must be one of the field's choices"),
    ],
)
def test_wrong_types_and_values_are_refused(value, rule):
    given = [value] if value[0] == "wechat_id" else [value, ("wechat_id", T, "zw")]
    _, violations = _check(*given)
    assert len(violations) == 1
    assert _rules(violations)[f"custom_fields.{value[0]}"] == rule


def test_trailing_zeros_are_not_decimal_places_and_the_scale_is_kept():
    values, violations = _check(("budget", T, "50000.00"), ("wechat_id", T, "zw"))
    assert violations == [] and str(values[0].value) == "50000.00"


def test_empty_text_is_no_value_so_a_required_field_left_blank_is_missing():
    values, violations = _check(("segment", T, "  "), ("wechat_id", T, ""))
    assert values == ()
    assert _rules(violations) == {"custom_fields.wechat_id": "is required"}


def test_a_key_given_twice_is_refused():
    _, violations = _check(("wechat_id", T, "a"), ("wechat_id", T, "b"))
    assert _rules(violations) == {"custom_fields.wechat_id": "is given more than once"}


def test_a_lead_is_refused_whole_when_a_custom_value_is_bad_and_typed_when_good():
    draft = LeadDraft(name="", source="web", custom_fields=(CustomValue("budget", T, "abc"),))
    with pytest.raises(ValidationFailed) as err:
        create_lead(draft, lead_id="l1", tenant_id="t1", created_by="u1", now=NOW, schema=SCHEMA)
    assert {v.field for v in err.value.violations} == {
        "name",
        "custom_fields.budget",
        "custom_fields.wechat_id",
    }
    good = LeadDraft(
        name="张伟",
        source="web",
        custom_fields=(CustomValue("wechat_id", T, "zw"), CustomValue("budget", T, "12")),
    )
    lead = create_lead(good, lead_id="l1", tenant_id="t1", created_by="u1", now=NOW, schema=SCHEMA)
    assert lead.custom_fields == (
        CustomValue("budget", N, Decimal(12)),
        CustomValue("wechat_id", T, "zw"),
    )


def test_a_tenant_without_custom_fields_refuses_any():
    draft = LeadDraft(name="张伟", source="web", custom_fields=(CustomValue("x", T, "1"),))
    with pytest.raises(ValidationFailed) as err:
        create_lead(
            draft,
            lead_id="l1",
            tenant_id="t1",
            created_by="u1",
            now=NOW,
            schema=CustomFieldSchema(),
        )
    assert err.value.violations[0].field == "custom_fields.x"


# Definitions -------------------------------------------------------------------------


def test_definitions_replace_the_active_list_and_retire_the_rest():
    schema = replace_definitions(CustomFieldSchema(), [BUDGET, VISIT, SEGMENT])
    assert [d.key for d in schema.active] == ["budget", "visit_date", "segment"]
    later = replace_definitions(schema, [SEGMENT, BUDGET])
    assert [d.key for d in later.active] == ["segment", "budget"]
    retired = later.get("visit_date")
    assert retired is not None and retired.retired and retired.type is D


def test_a_retired_field_keeps_its_values_takes_no_new_ones_and_can_come_back():
    schema = replace_definitions(replace_definitions(CustomFieldSchema(), [VISIT]), [])
    _, violations = _check(("visit_date", T, "2026-12-01"), schema=schema)
    assert _rules(violations) == {"custom_fields.visit_date": "was retired and takes no new values"}
    back = replace_definitions(schema, [VISIT])
    assert back.get("visit_date") == VISIT


def test_a_key_never_changes_type_even_once_retired():
    schema = replace_definitions(replace_definitions(CustomFieldSchema(), [BUDGET]), [])
    with pytest.raises(ValidationFailed) as err:
        replace_definitions(schema, [CustomFieldDefinition("budget", "预算", T)])
    (violation,) = err.value.violations
    assert violation.field == "fields[0].type"
    assert violation.description.startswith("cannot change from number to text")


def test_bad_definitions_are_named_by_position_and_rule():
    with pytest.raises(ValidationFailed) as err:
        replace_definitions(
            CustomFieldSchema(),
            [
                CustomFieldDefinition("Budget", " ", N, choices=("a",), max_length=5),
                CustomFieldDefinition("phone", "电话", T),
                CustomFieldDefinition("level", "级别", C),
                CustomFieldDefinition("level", "级别", C, choices=("A", "A")),
                CustomFieldDefinition(
                    "size", "规模", N, min_value=Decimal(10), max_value=Decimal(1), decimals=12
                ),
                CustomFieldDefinition("when", "日期", D, min_value=Decimal(1)),
            ],
        )
    assert _rules(err.value.violations) == {
        "fields[0].key": "must be 1 to 40 lower-case letters, digits or _, starting with a letter",
        "fields[0].label": "must be 1 to 100 characters",
        "fields[0].choices": "only choice fields have choices",
        "fields[0].max_length": "text fields only, 1 to 2000",
        "fields[1].key": "is a built-in lead field",
        "fields[2].choices": "a choice field needs 1 to 100 choices",
        "fields[2].key": "must be unique",
        "fields[3].choices": "must be unique",
        "fields[3].key": "must be unique",
        "fields[4].min_value": "must not be above max_value",
        "fields[4].decimals": "must be between 0 and 9",
        "fields[5].min_value": "number fields only",
    }


def test_at_most_fifty_active_fields():
    many = [CustomFieldDefinition(f"f{i}", f"字段{i}", T) for i in range(51)]
    with pytest.raises(ValidationFailed) as err:
        replace_definitions(CustomFieldSchema(), many)
    assert _rules(err.value.violations) == {"fields": "at most 50 custom fields"}


def test_a_merge_survivor_gains_only_the_values_it_lacked():
    kept = (CustomValue("budget", N, Decimal(1)),)
    gained = (CustomValue("budget", N, Decimal(2)), CustomValue("segment", C, "大客户"))
    assert merge_values(kept, gained) == (*kept, gained[1])
    survivor = create_lead(
        LeadDraft(name="甲", source="web", custom_fields=kept),
        lead_id="s",
        tenant_id="t1",
        created_by="u1",
        now=NOW,
    )
    duplicate = create_lead(
        LeadDraft(name="甲", source="web", custom_fields=gained),
        lead_id="d",
        tenant_id="t1",
        created_by="u1",
        now=NOW,
    )
    after, _ = merge(survivor, duplicate, by="u1", now=NOW)
    assert after.custom_fields == (*kept, gained[1])
    assert "custom_fields" in after.events[-1].payload["changed_fields"]
