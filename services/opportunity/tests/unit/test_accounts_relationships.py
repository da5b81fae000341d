"""Contacts: field rules, reporting links without cycles, the relationship map."""

from datetime import UTC, datetime

import pytest
from crm_runtime.errors import ValidationFailed
from opportunity.domain.contact import (
    ContactDraft,
    ContactRole,
    add_contact,
    demote,
    update_contact,
)
from opportunity.domain.relationships import cycle_problem, relationship_map

NOW = datetime(2026, 11, 24, tzinfo=UTC)


def _contact(cid, name, role="", boss="", primary=False):
    draft = ContactDraft(
        account_id="acc", name=name, role=role, reports_to_contact_id=boss, primary=primary
    )
    return add_contact(
        draft,
        contact_id=cid,
        tenant_id="t1",
        account_owner_id="rep",
        account_team_id="east",
        added_by="rep",
        now=NOW,
    )


def test_a_contact_carries_its_accounts_owner_and_normal_forms():
    c = add_contact(
        ContactDraft(
            account_id="acc", name="王芳", phone="13900139000", email="Wang.Fang@Example.CN"
        ),
        contact_id="c1",
        tenant_id="t1",
        account_owner_id="rep",
        account_team_id="east",
        added_by="u",
        now=NOW,
    )
    assert (c.phone, c.email, c.owner_id, c.team_id) == (
        "+8613900139000",
        "wang.fang@example.cn",
        "rep",
        "east",
    )
    assert c.events[0].event_type == "ContactAdded"


def test_bad_fields_are_named():
    with pytest.raises(ValidationFailed) as err:
        add_contact(
            ContactDraft(
                account_id="acc", name="", email="nope", role="ceo", reports_to_contact_id="c1"
            ),
            contact_id="c1",
            tenant_id="t1",
            account_owner_id="",
            account_team_id="",
            added_by="u",
            now=NOW,
        )
    assert {v.field for v in err.value.violations} == {
        "name",
        "email",
        "role",
        "reports_to_contact_id",
    }


def test_cycles_are_refused_naming_the_chain():
    links = {"a": "", "b": "a", "c": "b"}
    assert cycle_problem("d", "c", {**links, "d": ""}) is None
    problem = cycle_problem("a", "c", links)
    assert problem is not None and problem.description.endswith("a -> c -> b -> a")
    assert cycle_problem("a", "zzz", links).description == "names no contact of the same account"
    assert cycle_problem("a", "", links) is None


def test_the_map_lists_managers_before_reports_with_depth_and_missing_roles():
    boss = _contact("1", "赵总", ContactRole.DECISION_MAKER)
    mid = _contact("2", "钱经理", ContactRole.INFLUENCER, boss="1")
    low_b = _contact("3", "孙工", ContactRole.USER, boss="2")
    low_a = _contact("4", "李工", ContactRole.USER, boss="2", primary=True)
    loner = _contact("5", "周会计", ContactRole.FINANCE, boss="gone")
    found = relationship_map("acc", [low_b, loner, mid, boss, low_a])
    assert [(n.contact.id, n.depth, n.direct_report_ids) for n in found.nodes] == [
        ("5", 0, ()),
        ("1", 0, ("2",)),
        ("2", 1, ("4", "3")),
        ("4", 2, ()),
        ("3", 2, ()),
    ]  # roots by name (周 before 赵), the primary contact first among siblings
    assert found.missing_roles == ()
    assert relationship_map("acc", [boss]).missing_roles == (
        ContactRole.INFLUENCER,
        ContactRole.USER,
        ContactRole.FINANCE,
    )


def test_a_cycle_written_some_other_way_never_loops_the_map():
    a, b = _contact("a", "甲", boss="b"), _contact("b", "乙", boss="a")
    assert {n.contact.id for n in relationship_map("acc", [a, b]).nodes} == {"a", "b"}


def test_edits_by_mask_and_demotion():
    c = _contact("1", "赵总", primary=True)
    changed = update_contact(
        c, ContactDraft(title="总经理", account_id="other"), ("title",), by="u", now=NOW
    )
    assert changed.title == "总经理" and changed.account_id == "acc"
    assert changed.events[-1].payload["changed_fields"] == ["title"]
    with pytest.raises(ValidationFailed):
        update_contact(c, ContactDraft(account_id="x"), ("account_id",), by="u", now=NOW)
    demoted = demote(c, by="u", now=NOW)
    assert not demoted.primary and demoted.events[-1].event_type == "ContactUpdated"
    assert demote(demoted, by="u", now=NOW) is demoted
