"""Editing a lead: only the masked fields change, under the capture rules, and the event
names exactly what changed."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from crm_runtime.errors import FailedPrecondition, ValidationFailed
from crm_runtime.messaging.schema import payload_message
from lead.domain.custom_fields import (
    CustomFieldDefinition,
    CustomFieldSchema,
    CustomValue,
    FieldType,
)
from lead.domain.editing import edit_lead, identifiers_changed, without_duplicate_flag
from lead.domain.lead import LeadDraft, LeadStatus, create_lead

NOW = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
LATER = NOW + timedelta(hours=2)


def _lead():
    lead = create_lead(
        LeadDraft(name="张伟", company="上海某某科技有限公司", phone="13800138000", source="web"),
        lead_id="l1",
        tenant_id="t1",
        created_by="ann",
        now=NOW,
    )
    return replace(lead, events=[])


def _fields(error: ValidationFailed) -> set[str]:
    return {v.field for v in error.violations}


def test_only_masked_fields_change_and_are_normalised_as_at_capture():
    draft = LeadDraft(name="ignored", phone="+86 139-0013-9000", notes="ignored too")
    edited, changed = edit_lead(_lead(), draft, ["phone"], now=LATER)
    assert changed == ("phone",)
    assert edited.phone == "+8613900139000"
    assert (edited.name, edited.notes) == ("张伟", "")
    [event] = edited.events
    assert (event.event_type, event.payload) == (
        "LeadUpdated",
        {"lead_id": "l1", "changed_fields": ["phone"]},
    )
    assert edited.updated_at == LATER
    payload_message(event.event_type, event.payload)


def test_a_company_change_moves_its_match_key_but_reports_the_field_only():
    edited, changed = edit_lead(
        _lead(), LeadDraft(company="北京另一家公司"), ["company"], now=LATER
    )
    assert set(changed) == {"company", "company_key"}
    assert edited.company_key and edited.company_key != _lead().company_key
    assert edited.events[0].payload["changed_fields"] == ["company"]
    assert identifiers_changed(changed)


def test_the_same_value_in_another_spelling_changes_nothing_and_records_nothing():
    lead = _lead()
    edited, changed = edit_lead(lead, LeadDraft(phone="+86 138 0013 8000"), ["phone"], now=LATER)
    assert (edited, changed) == (lead, ())
    assert edited.events == []


def test_bad_values_are_refused_naming_each_field():
    with pytest.raises(ValidationFailed) as caught:
        edit_lead(_lead(), LeadDraft(name="", email="not-an-email"), ["name", "email"], now=LATER)
    assert _fields(caught.value) == {"name", "email"}


def test_the_mask_must_name_lead_fields_and_not_the_owner():
    with pytest.raises(ValidationFailed) as caught:
        edit_lead(_lead(), LeadDraft(), [], now=LATER)
    assert _fields(caught.value) == {"update_mask"}
    with pytest.raises(ValidationFailed) as caught:
        edit_lead(_lead(), LeadDraft(owner_id="bob"), ["owner_id", "status"], now=LATER)
    assert _fields(caught.value) == {"owner_id", "update_mask"}
    assert "assign" in str(caught.value)


def test_merged_and_converted_leads_are_history():
    merged = replace(_lead(), merged_into="l0")
    with pytest.raises(FailedPrecondition, match="merged into l0"):
        edit_lead(merged, LeadDraft(notes="x"), ["notes"], now=LATER)
    converted = replace(_lead(), status=LeadStatus.CONVERTED, account_id="a1")
    with pytest.raises(FailedPrecondition, match="account a1"):
        edit_lead(converted, LeadDraft(notes="x"), ["notes"], now=LATER)


def test_a_lead_that_matches_nothing_any_more_loses_its_duplicate_flag():
    flagged = replace(_lead(), duplicate_of="l0")
    cleared = without_duplicate_flag(flagged, now=LATER)
    assert cleared.duplicate_of == ""
    assert cleared.events[-1].payload == {"lead_id": "l1", "changed_fields": ["duplicate_of"]}
    assert without_duplicate_flag(_lead(), now=LATER) == _lead()


BUDGET = CustomFieldDefinition("budget", "预算", FieldType.NUMBER)
WECHAT = CustomFieldDefinition("wechat_id", "微信号", FieldType.TEXT, required=True)
OLD = CustomFieldDefinition("fax", "传真", FieldType.TEXT, retired=True)
SCHEMA = CustomFieldSchema((BUDGET, WECHAT, OLD))


def _with_custom():
    return replace(
        _lead(),
        custom_fields=(
            CustomValue("wechat_id", FieldType.TEXT, "zw88"),
            CustomValue("fax", FieldType.TEXT, "021-555"),
        ),
    )


def test_custom_values_sent_replace_theirs_and_the_rest_stay():
    draft = LeadDraft(custom_fields=(CustomValue("budget", FieldType.TEXT, "50000"),))
    edited, changed = edit_lead(_with_custom(), draft, ["custom_fields"], now=LATER, schema=SCHEMA)
    assert changed == ("custom_fields",)
    assert edited.custom_fields == (
        CustomValue("budget", FieldType.NUMBER, Decimal("50000")),
        CustomValue("wechat_id", FieldType.TEXT, "zw88"),
        CustomValue("fax", FieldType.TEXT, "021-555"),  # retired: kept, not re-checked
    )


def test_a_required_custom_value_cannot_be_cleared_nor_a_retired_one_set():
    draft = LeadDraft(
        custom_fields=(
            CustomValue("wechat_id", FieldType.TEXT, ""),
            CustomValue("fax", FieldType.TEXT, "010-1"),
        ),
        name="",
    )
    with pytest.raises(ValidationFailed) as caught:
        edit_lead(_with_custom(), draft, ["custom_fields", "name"], now=LATER, schema=SCHEMA)
    assert _fields(caught.value) == {"custom_fields.wechat_id", "custom_fields.fax", "name"}


def test_a_channel_detail_edit_moves_the_derived_tag():
    lead = replace(_lead(), source="trade_show")
    edited, changed = edit_lead(
        lead, LeadDraft(channel_detail="进博会"), ["channel_detail"], now=LATER
    )
    assert set(changed) == {"channel_detail", "tags"}
    assert edited.tags == ("trade_show:进博会",)
    again, _ = edit_lead(edited, LeadDraft(channel_detail="广交会"), ["channel_detail"], now=LATER)
    assert again.tags == ("trade_show:广交会",)
