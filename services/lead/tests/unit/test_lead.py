"""Creating a lead: every broken rule is named, a good lead records LeadCreated."""

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from crm_runtime.errors import ValidationFailed
from crm_runtime.principal import Principal
from lead.domain.lead import LeadDraft, LeadStatus, create_lead
from lead.domain.visibility import can_see

NOW = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)


def _create(**fields):
    return create_lead(
        LeadDraft(**fields),
        lead_id="l1",
        tenant_id="t1",
        created_by="u1",
        now=NOW,
    )


def _fields(exc):
    return {v.field for v in exc.value.violations}


def test_a_good_lead_is_normalised_and_records_its_creation():
    lead = _create(
        name=" 张伟 ",
        phone="+86 138-0013-8000",
        email="Zhang@Example.cn",
        company="上海云图科技 ",
        source="web",
        tags=("SaaS", "SaaS"),
    )
    assert (lead.name, lead.phone, lead.email) == ("张伟", "+8613800138000", "zhang@example.cn")
    assert lead.status is LeadStatus.NEW
    assert lead.owner_id == ""  # the draft's owner, a rule or the pool decides next
    assert lead.tags == ("SaaS",)
    [event] = lead.events
    assert event.event_type == "LeadCreated"
    assert event.payload["lead_id"] == "l1" and event.payload["source"] == "web"
    assert event.occurred_at == NOW


def test_every_broken_rule_is_named_at_once():
    with pytest.raises(ValidationFailed) as err:
        _create(name="", phone="12", email="x@", source="fax")
    assert _fields(err) == {"name", "phone", "email", "source"}


@pytest.mark.parametrize(("field", "limit"), [("name", 100), ("company", 200), ("notes", 2000)])
def test_oversized_fields_are_refused(field, limit):
    values = {"name": "n", "source": "api", field: "字" * (limit + 1)}
    with pytest.raises(ValidationFailed) as err:
        _create(**values)
    assert _fields(err) == {field}


def test_too_many_or_blank_tags_are_refused():
    with pytest.raises(ValidationFailed) as err:
        _create(name="n", source="api", tags=tuple(str(i) for i in range(21)))
    assert "tags" in _fields(err)
    with pytest.raises(ValidationFailed) as err:
        _create(name="n", source="api", tags=(" ",))
    assert _fields(err) == {"tags[0]"}


@pytest.mark.parametrize(
    ("principal", "visible"),
    [
        (Principal("t1", "u1", scope="own"), True),
        (Principal("t1", "u9", scope="own"), False),
        (Principal("t1", "u9", scope="team", team_id="team-a"), True),
        (Principal("t1", "u9", scope="team", team_id="team-b"), False),
        (Principal("t1", "u9", scope="all"), True),
    ],
)
def test_data_scopes(principal, visible):
    lead = replace(_create(name="n", source="api"), owner_id="u1", owner_team_id="team-a")
    assert can_see(principal, lead) is visible
