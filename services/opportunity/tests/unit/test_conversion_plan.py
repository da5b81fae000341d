"""Planning a lead's conversion: only a qualified lead converts; it becomes an account (or
attaches to an existing one), a contact and an opportunity linked to the lead; every bad
override is named as a field of the request."""

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from crm_runtime.errors import FailedPrecondition, FieldViolation, ValidationFailed
from crm_runtime.messaging.schema import canonical_payload
from opportunity.conversion.domain.plan import (
    AlreadyConverted,
    ConversionPlan,
    ExistingAccount,
    LeadSnapshot,
    NewIds,
    OpportunityFields,
    Overrides,
    default_opportunity_name,
    duplicate_check,
    nested,
    plan_conversion,
)
from opportunity.domain.account import AccountDraft, DuplicateMatch, create_account
from opportunity.domain.contact import ContactDraft, add_contact
from opportunity.domain.fields import CustomField, CustomKind
from opportunity.domain.money import Money

NOW = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
IDS = NewIds(account_id="a-new", contact_id="c-new", opportunity_id="o-new")
BUDGET = CustomField("budget", CustomKind.NUMBER, "300000")
LEAD = LeadSnapshot(
    id="l1",
    status="qualified",
    name="张伟",
    source="trade_show",
    owner_id="rep1",
    company="上海云图科技有限公司",
    phone="+8613800138000",
    email="zhang.wei@yuntu.cn",
    region="华东",
    industry="制造",
    product_line="数据平台",
    tags=("展会", "KA"),
    notes="needs a data platform for 3 plants",
    custom_fields=(BUDGET,),
)


def _plan(lead=LEAD, **kwargs):
    kwargs.setdefault("ids", IDS)
    kwargs.setdefault("converted_by", "mgr1")
    plan = plan_conversion(lead, **kwargs)
    assert isinstance(plan, ConversionPlan)
    return plan


def _violations(lead=LEAD, **kwargs):
    with pytest.raises(ValidationFailed) as err:
        _plan(lead, **kwargs)
    return {(v.field, v.description) for v in err.value.violations}


def test_a_company_lead_becomes_account_contact_and_opportunity_linked_to_it():
    plan = _plan()
    assert (plan.lead_id, plan.source, plan.account_created, plan.attached_to) == (
        "l1",
        "trade_show",
        True,
        None,
    )
    assert (plan.account_id, plan.contact_id, plan.opportunity_id) == ("a-new", "c-new", "o-new")
    assert plan.account == AccountDraft(
        name="上海云图科技有限公司",
        industry="制造",
        region="华东",
        owner_id="rep1",
        tags=("展会", "KA"),
    )
    assert plan.contact == ContactDraft(
        account_id="a-new",
        name="张伟",
        phone="+8613800138000",
        email="zhang.wei@yuntu.cn",
        role="",  # unspecified: the relationship map still shows no decision maker
        primary=True,
    )
    assert plan.opportunity == OpportunityFields(
        name="上海云图科技有限公司 – 数据平台",
        account_id="a-new",
        primary_contact_id="c-new",
        owner_id="rep1",
        pipeline_id="",  # the tenant's default pipeline, first open stage
        amount=None,
        description="needs a data platform for 3 plants",
        tags=("展会", "KA"),
        custom_fields=(BUDGET,),
        source="trade_show",
    )


def test_a_person_without_a_company_becomes_an_individual_account():
    plan = _plan(replace(LEAD, company="", product_line=""))
    assert plan.account is not None
    assert (plan.account.name, plan.account.phone) == ("张伟", "+8613800138000")
    assert plan.opportunity.name == "张伟"


def test_the_default_opportunity_name_fits():
    assert default_opportunity_name(replace(LEAD, product_line=" ")) == "上海云图科技有限公司"
    fits = default_opportunity_name(replace(LEAD, company="公" * 195, product_line="平台"))
    assert fits == "公" * 195 + " – 平台"  # exactly 200
    too_long = replace(LEAD, company="公" * 199, product_line="平台")
    assert default_opportunity_name(too_long) == "公" * 199  # no dangling separator
    assert default_opportunity_name(replace(LEAD, company="公" * 250)) == "公" * 200


def test_a_lead_without_owner_goes_to_the_converting_user():
    plan = _plan(replace(LEAD, owner_id=""))
    assert plan.opportunity.owner_id == "mgr1"
    assert plan.account is not None and plan.account.owner_id == "mgr1"


@pytest.mark.parametrize("status", ["new", "assigned", "contacted", "disqualified", ""])
def test_only_a_qualified_lead_converts(status):
    with pytest.raises(FailedPrecondition, match="only a qualified lead converts") as err:
        plan_conversion(replace(LEAD, status=status), ids=IDS, converted_by="mgr1")
    assert f"it is {status or 'of no status'}" in err.value.message


def test_a_merged_lead_does_not_convert():
    with pytest.raises(FailedPrecondition, match="merged into l0"):
        plan_conversion(replace(LEAD, merged_into="l0"), ids=IDS, converted_by="mgr1")


def test_a_converted_lead_is_reported_with_its_links_for_the_retry_to_answer():
    lead = replace(LEAD, status="converted", account_id="a9", contact_id="c9", opportunity_id="o9")
    result = plan_conversion(lead, ids=IDS, converted_by="mgr1")
    assert result == AlreadyConverted("l1", "a9", "c9", "o9")
    assert isinstance(result, AlreadyConverted)
    assert "already converted into account a9 and opportunity o9" in result.conflict().message


def test_a_requested_account_is_attached_to_and_no_account_is_made():
    existing = ExistingAccount("a7", "云图科技", "rep9")
    plan = _plan(requested_account=existing)
    assert (plan.account, plan.attached_to, plan.account_created) == (None, existing, False)
    assert plan.account_id == "a7"
    assert plan.contact.account_id == "a7" and not plan.contact.primary
    assert plan.opportunity.account_id == "a7"
    assert plan.opportunity.owner_id == "rep1"  # the deal stays with the lead's owner


def test_a_contact_may_still_be_made_primary_on_an_existing_account():
    overrides = Overrides(contact=ContactDraft(primary=True, role="decision_maker"))
    plan = _plan(requested_account=ExistingAccount("a7", "云图", "rep9"), overrides=overrides)
    assert (plan.contact.primary, plan.contact.role) == (True, "decision_maker")


def test_one_duplicate_on_the_credit_code_wins_over_name_matches():
    duplicates = [
        DuplicateMatch("a2", "云图科技(上海)", "rep2", "name"),
        DuplicateMatch("a3", "上海云图", "rep3", "name"),
        DuplicateMatch("a4", "上海云图科技有限公司", "rep4", "credit_code"),
    ]
    plan = _plan(duplicates=duplicates)
    assert plan.attached_to == ExistingAccount(
        "a4", "上海云图科技有限公司", "rep4", "duplicate credit_code"
    )


def test_one_name_duplicate_is_attached_to():
    duplicates = [
        DuplicateMatch("a2", "上海云图科技", "rep2", "name"),
        DuplicateMatch("a2", "上海云图科技", "rep2", "credit_code"),
    ]
    assert _plan(duplicates=duplicates[:1]).attached_to == ExistingAccount(
        "a2", "上海云图科技", "rep2", "duplicate name"
    )
    assert _plan(duplicates=duplicates).account_id == "a2"  # one account, matched twice


def test_the_duplicate_check_looks_for_the_company_never_for_a_persons_name():
    assert duplicate_check(LEAD) == ("上海云图科技有限公司", "")
    overrides = Overrides(account=AccountDraft(name=" 云图集团 ", unified_social_credit_code="91X"))
    assert duplicate_check(LEAD, overrides) == ("云图集团", "91X")
    person = replace(LEAD, company="")
    assert duplicate_check(person) == ("", "")
    namesake = DuplicateMatch("a8", "张伟", "rep8", "name")
    plan = _plan(person, duplicates=[namesake])
    assert (plan.account_created, plan.account_id) == (True, "a-new")  # not the other 张伟
    same_code = DuplicateMatch("a9", "张伟", "rep8", "credit_code")
    assert _plan(person, duplicates=[namesake, same_code]).account_id == "a9"


def test_several_duplicates_make_the_caller_choose():
    duplicates = [
        DuplicateMatch("a2", "上海云图科技", "rep2", "name"),
        DuplicateMatch("a3", "上海云图科技公司", "rep3", "name"),
    ]
    assert _violations(duplicates=duplicates) == {
        (
            "account_id",
            "several existing accounts match on name (a2, a3): choose the one to attach to",
        )
    }


def test_account_overrides_cannot_go_with_attaching():
    got = _violations(
        requested_account=ExistingAccount("a7", "云图", "rep9"),
        overrides=Overrides(account=AccountDraft(name="Other", region="华南")),
    )
    assert got == {("account", "must be empty: the lead attaches to account a7 (云图, requested)")}


def test_overrides_win_over_what_the_lead_says():
    overrides = Overrides(
        account=AccountDraft(name="云图科技集团", unified_social_credit_code="91310000MA1FL1XXXX"),
        contact=ContactDraft(title="CTO", role="influencer", email="cto@yuntu.cn"),
        opportunity=OpportunityFields(
            name="云图 三厂数据平台",
            owner_id="rep5",
            pipeline_id="p-ka",
            amount=Money(Decimal("480000.00"), "CNY"),
            expected_close_date="2027-03-31",
            tags=("Q1",),
            source="trade_show",  # repeating the lead's source is fine
            account_id="a-new",  # so is repeating what the conversion makes
        ),
    )
    plan = _plan(overrides=overrides)
    assert plan.account is not None
    assert (plan.account.name, plan.account.industry, plan.account.owner_id) == (
        "云图科技集团",
        "制造",
        "rep5",  # a new account goes to the deal's owner
    )
    assert plan.account.unified_social_credit_code == "91310000MA1FL1XXXX"
    assert (plan.contact.name, plan.contact.title, plan.contact.email) == (
        "张伟",
        "CTO",
        "cto@yuntu.cn",
    )
    assert plan.contact.role == "influencer"
    opportunity = plan.opportunity
    assert (opportunity.name, opportunity.owner_id, opportunity.pipeline_id) == (
        "云图 三厂数据平台",
        "rep5",
        "p-ka",
    )
    assert opportunity.amount == Money(Decimal("480000.00"), "CNY")
    assert (opportunity.expected_close_date, opportunity.tags) == ("2027-03-31", ("Q1",))
    assert opportunity.description == LEAD.notes  # not overridden


def test_every_bad_override_is_named_at_once():
    overrides = Overrides(
        contact=ContactDraft(account_id="a-other", role="boss"),
        opportunity=OpportunityFields(
            name="x" * 201,
            amount=Money(Decimal("-1"), "CNY"),
            expected_close_date="2027-02-30",
            source="web",
            primary_contact_id="c-other",
        ),
    )
    assert _violations(overrides=overrides) == {
        ("contact.account_id", "is set by the conversion (a-new)"),
        ("contact.role", "must be one of decision_maker, influencer, user, finance"),
        ("opportunity.name", "must be at most 200 characters"),
        ("opportunity.amount.amount", "must be positive"),
        ("opportunity.expected_close_date", "must be a date YYYY-MM-DD"),
        ("opportunity.source", "is set by the conversion (trade_show)"),
        ("opportunity.primary_contact_id", "is set by the conversion (c-new)"),
    }


def test_a_bad_override_currency_is_named():
    overrides = Overrides(opportunity=OpportunityFields(amount=Money(Decimal("1"), "rmb")))
    assert {f for f, _ in _violations(overrides=overrides)} == {"opportunity.amount.currency"}


def test_an_aggregates_violations_are_named_as_request_fields():
    error = ValidationFailed(
        [FieldViolation("name", "is required"), FieldViolation("tags[0]", "x")]
    )
    assert nested("account", error) == [
        FieldViolation("account.name", "is required"),
        FieldViolation("account.tags[0]", "x"),
    ]


def test_the_plans_drafts_are_what_the_account_and_contact_rules_accept():
    plan = _plan()
    assert plan.account is not None
    account = create_account(
        plan.account,
        account_id=plan.account_id,
        tenant_id="t1",
        created_by="mgr1",
        now=NOW,
        source_lead_id=plan.lead_id,
        source=plan.source,
    )
    contact = add_contact(
        plan.contact,
        contact_id=plan.contact_id,
        tenant_id="t1",
        account_owner_id=account.owner_id,
        account_team_id=account.team_id,
        added_by="mgr1",
        now=NOW,
        source_lead_id=plan.lead_id,
    )
    assert (account.source_lead_id, contact.source_lead_id) == ("l1", "l1")
    assert contact.account_id == account.id == "a-new"
    created = canonical_payload("AccountCreated", account.events[0].payload)
    added = canonical_payload("ContactAdded", contact.events[0].payload)
    assert (created["source"], created["source_lead_id"]) == ("trade_show", "l1")
    assert added["source_lead_id"] == "l1"
