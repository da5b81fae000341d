"""The role x action matrix: the rules DOMAIN.md states, and its own consistency."""

import pytest
from gateway.access.authz import (
    MATRIX,
    PEOPLE,
    ROLE_SCOPES,
    ROLES,
    actions_of,
    allowed,
    data_scope,
    roles_for,
    valid_scope,
    within_scopes,
)


def test_every_action_names_known_roles_and_reads_resource_colon_verb():
    for action, roles in MATRIX.items():
        resource, _, verb = action.partition(":")
        assert resource and verb and ":" not in verb, action
        assert roles, f"{action} is allowed to nobody"
        assert roles <= set(ROLES), action


def test_the_matrix_covers_the_six_services_and_the_gateway():
    resources = {a.split(":")[0] for a in MATRIX}
    for expected in (
        "lead",
        "account",
        "contact",
        "opportunity",
        "quote",
        "contract",
        "order",
        "receipt",
        "payment_plan",
        "notification",
        "webhook",
        "analytics",
        "target",
        "user",
        "team",
        "api_key",
        "audit",
    ):
        assert expected in resources


def test_only_finance_records_receipts_and_reconciles_them():
    assert roles_for("receipt:record") == ["finance"]
    assert roles_for("receipt:reconcile") == ["finance"]


def test_only_legal_finance_and_the_general_manager_approve_contracts():
    assert set(roles_for("contract:approve")) == {"legal", "finance", "sales_director"}


def test_big_deals_need_the_directors_approval():
    assert roles_for("opportunity:approve") == ["sales_director"]


def test_reps_change_deals_but_only_see_their_own():
    assert allowed(["sales_rep"], "opportunity:update")
    assert data_scope(["sales_rep"]) == "own"
    assert not allowed(["sales_rep"], "lead:assign")  # managers hand out leads


def test_managers_see_their_team_and_directors_everything():
    assert data_scope(["sales_manager"]) == "team"
    assert data_scope(["sales_director"]) == "all"
    assert data_scope(["sales_rep", "sales_manager"]) == "team"  # the widest wins
    assert data_scope([]) == "own"
    assert set(ROLE_SCOPES) == set(ROLES)


def test_admins_run_the_tenant_but_take_no_business_decisions():
    for action in ("user:manage", "team:manage", "api_key:manage", "audit:read"):
        assert allowed(["admin"], action)
    for action in ("receipt:record", "contract:approve", "opportunity:approve", "lead:assign"):
        assert not allowed(["admin"], action)


def test_integrations_have_no_password_and_no_inbox_settings():
    assert "integration" not in PEOPLE
    assert not allowed(["integration"], "self:change_password")
    assert allowed(["integration"], "lead:create")


def test_unknown_actions_and_roles_are_denied():
    assert not allowed(["admin"], "lead:teleport")
    assert not allowed(["superuser"], "lead:read")


@pytest.mark.parametrize(
    ("scopes", "action", "expected"),
    [
        (["*"], "receipt:record", True),
        (["receipt:*"], "receipt:record", True),
        (["receipt:record"], "receipt:record", True),
        (["receivable:read"], "receipt:record", False),
        (["lead:*"], "leads:read", False),
        ([], "lead:read", False),
    ],
)
def test_key_scopes_narrow_what_roles_allow(scopes, action, expected):
    assert within_scopes(scopes, action) is expected


def test_valid_scopes_are_actions_resource_wildcards_or_everything():
    assert valid_scope("*") and valid_scope("lead:*") and valid_scope("lead:create")
    assert not valid_scope("lead:fly") and not valid_scope("nothing:*") and not valid_scope("")


def test_actions_of_a_role_are_exactly_those_the_matrix_gives_it():
    assert set(actions_of(["finance"])) == {a for a, r in MATRIX.items() if "finance" in r}
