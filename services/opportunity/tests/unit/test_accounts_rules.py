"""Accounts: credit codes (GB 32100-2015), the duplicate key, field rules, edits by mask."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from crm_runtime.errors import ValidationFailed
from opportunity.domain.account import (
    AccountDraft,
    check_keys,
    create_account,
    dedup_keys,
    duplicates_of,
    update_account,
)
from opportunity.domain.credit_code import check_character, code_problem, normalise_code
from opportunity.domain.text import name_key

NOW = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)


def _account(**fields):
    draft = AccountDraft(**{"name": "上海云图科技有限公司", **fields})
    return create_account(draft, account_id="a1", tenant_id="t1", created_by="u1", now=NOW)


@pytest.mark.parametrize("code", ["91350100M000100Y43", "91110000600037341L"])
def test_real_codes_pass_their_check_character(code):
    assert code_problem(code) == ""
    assert check_character(code[:17]) == code[17]


@pytest.mark.parametrize(
    ("code", "rule"),
    [
        ("91350100M000100Y4", "18 characters"),
        ("91350100M000100Y44", "check character"),
        ("91350100M0001O0Y43", "only digits and capitals"),  # O is not in the alphabet
        ("913501A0M000100Y43", "administrative division"),
    ],
)
def test_bad_codes_say_which_rule_they_break(code, rule):
    assert rule in code_problem(code)


def test_codes_are_normalised_before_the_check():
    assert normalise_code(" 91350100-m000100y43 ") == "91350100M000100Y43"
    assert normalise_code("９１３５０１００Ｍ０００１００Ｙ４３") == "91350100M000100Y43"


@pytest.mark.parametrize(
    "spelling",
    [
        "上海云图科技有限公司",
        "上海 云图科技",
        "上海云图科技（有限公司）",
        "上海云图科技股份有限公司",
        "ＳＨ上海云图科技"[2:],
    ],
)
def test_name_keys_ignore_spacing_width_punctuation_and_legal_form(spelling):
    assert name_key(spelling) == "上海云图科技"


def test_name_keys_keep_what_tells_companies_apart():
    assert name_key("Acme Trading Co., Ltd.") == name_key("ACME TRADING") == "acmetrading"
    assert name_key("上海云图科技") != name_key("上海云图软件")
    assert name_key("有限公司") == "有限公司"  # nothing else left: the form is the name


def test_a_new_account_records_its_event_with_normal_forms():
    account = _account(
        unified_social_credit_code="91350100m000100y43", phone="021 6888 8888", tags=("VIP", "VIP")
    )
    assert (
        account.unified_social_credit_code == "91350100M000100Y43"
        and account.phone == "+862168888888"
    )
    assert account.tags == ("VIP",) and account.last_activity_at == NOW
    [event] = account.events
    assert event.event_type == "AccountCreated" and event.aggregate_version == 1
    assert dedup_keys(account) == {"name": "上海云图科技", "credit_code": "91350100M000100Y43"}


def test_every_bad_field_is_named_at_once():
    with pytest.raises(ValidationFailed) as err:
        _account(
            name="  ",
            unified_social_credit_code="123",
            phone="12",
            website="not a site",
            tier="dormant",
            owner_id="$where",
        )
    assert {v.field for v in err.value.violations} == {
        "name",
        "unified_social_credit_code",
        "phone",
        "website",
        "tier",
        "owner_id",
    }


def test_duplicates_match_per_key_and_never_the_account_itself():
    mine = _account(unified_social_credit_code="91350100M000100Y43")
    keys = check_keys("上海云图科技", "91350100M000100Y43")
    found = duplicates_of(keys, [mine])
    assert [(m.account_id, m.matched_on) for m in found] == [("a1", "name"), ("a1", "credit_code")]
    assert duplicates_of(dedup_keys(mine), [mine], exclude="a1") == []
    with pytest.raises(ValidationFailed):
        check_keys("", "9135")


def test_an_edit_changes_only_the_masked_fields_and_records_what_changed():
    account = replace(_account(industry="软件", owner_id="u1"), events=[])  # as loaded
    later = NOW + timedelta(hours=1)
    changed = update_account(
        account,
        AccountDraft(industry="制造", region="北京", owner_id="u2"),
        ("industry", "owner_id"),
        by="u1",
        now=later,
    )
    assert (changed.industry, changed.region, changed.owner_id) == ("制造", "", "u2")
    event = changed.events[-1]
    assert event.payload["changed_fields"] == ["industry", "owner_id"]
    assert event.payload["previous_owner_id"] == "u1" and event.aggregate_version == 2
    assert (
        update_account(account, AccountDraft(industry="软件"), ("industry",), by="u1", now=later)
        is account
    )
    with pytest.raises(ValidationFailed) as err:
        update_account(account, AccountDraft(), ("tenant_id",), by="u1", now=later)
    assert err.value.violations[0].field == "update_mask"


def test_tier_by_hand_is_recorded_with_its_own_event():
    strategic = update_account(
        _account(), AccountDraft(tier="strategic"), ("tier",), by="u1", now=NOW
    )
    assert strategic.tier == "strategic" and strategic.tier_reason == "manual"
    assert [e.event_type for e in strategic.events[1:]] == ["AccountUpdated", "AccountTierChanged"]
