"""The rules of a payment plan, alone: splitting a contract value to the fen, due dates
by rule, receivable statuses by the day, a milestone reached, ContractSigned's terms."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from crm_runtime.errors import FailedPrecondition, ValidationFailed
from payment.domain.money import Money
from payment.plans.domain.model import ContractRef, DueRule, PlanSource, ReceivableStatus, Term
from payment.plans.domain.plans import (
    create_plan,
    due_date_of,
    from_contract_signed,
    reach_milestone,
    split_value,
    status_on,
)

SIGNED = date(2026, 1, 31)
NOW = datetime(2026, 2, 10, 2, 0, tzinfo=UTC)  # 2026-02-10 10:00 in Shanghai


def cny(text: str) -> Money:
    return Money(Decimal(text), "CNY")


def contract(value: str = "1000000.00", **changes: object) -> ContractRef:
    fields: dict[str, object] = {
        "contract_id": "c-1",
        "contract_number": "HT-2026-0001",
        "document_version": 1,
        "account_id": "acc-1",
        "account_name": "上海云图科技有限公司",
        "owner_id": "rep-1",
        "team_id": "team-east",
        "value": cny(value),
        "signed_date": SIGNED,
        **changes,
    }
    return ContractRef(**fields)  # type: ignore[arg-type]


def pct(text: str, **kw: object) -> Term:
    return Term(label="", percent=Decimal(text), **kw)  # type: ignore[arg-type]


def fields_of(exc: pytest.ExceptionInfo[ValidationFailed]) -> list[str]:
    return [v.field for v in exc.value.violations]


def test_thirds_of_a_hundred_give_the_last_instalment_the_rounding():
    amounts = split_value(cny("100.00"), [pct("33.3333"), pct("33.3333"), pct("33.3334")])
    assert [m.amount for m in amounts] == [Decimal("33.33"), Decimal("33.33"), Decimal("33.34")]
    assert sum(m.amount for m in amounts) == Decimal("100.00")


def test_amounts_and_percentages_mix_and_add_up_exactly():
    terms = [Term(label="deposit", amount=cny("100000.00")), pct("45"), pct("45")]
    amounts = split_value(cny("1000000.00"), terms)
    assert [m.amount for m in amounts] == [Decimal(v) for v in ("100000", "450000", "450000")]


def test_instalments_a_fen_short_are_refused_naming_instalments():
    with pytest.raises(ValidationFailed) as exc:
        split_value(cny("100.00"), [Term(label="", amount=cny("50.00")), pct("49.99")])
    assert fields_of(exc) == ["instalments"]
    assert "not the contract value 100.00 CNY" in exc.value.message


def test_each_bad_instalment_field_is_named():
    terms = [
        Term(label="x" * 101, amount=cny("1.001")),
        Term(label="", amount=cny("1.00"), percent=Decimal("1")),
        Term(label="", percent=Decimal("0")),
        Term(label="", amount=Money(Decimal("1"), "USD")),
        Term(label="", percent=Decimal("10"), due_rule=DueRule.FIXED_DATE),
        Term(label="", percent=Decimal("10"), due_rule=DueRule.ON_MILESTONE, due_days=-1),
    ]
    with pytest.raises(ValidationFailed) as exc:
        split_value(cny("100.00"), terms)
    assert fields_of(exc) == [
        "instalments[0].label",
        "instalments[0].amount.amount",
        "instalments[1].amount",
        "instalments[2].percent",
        "instalments[3].amount.currency",
        "instalments[4].due_date",
        "instalments[5].due_days",
        "instalments[5].milestone",
    ]


def test_a_value_in_fractions_of_a_fen_is_refused():
    with pytest.raises(ValidationFailed) as exc:
        split_value(cny("100.005"), [pct("100")])
    assert fields_of(exc) == ["contract_value.amount"]


@pytest.mark.parametrize(
    ("term", "due"),
    [
        (Term(label="", due_rule=DueRule.ON_SIGNING), date(2026, 1, 31)),
        (Term(label="", due_rule=DueRule.DAYS_AFTER_SIGNING, due_days=30), date(2026, 3, 2)),
        (Term(label="", due_rule=DueRule.END_OF_MONTH_PLUS_DAYS, due_days=0), date(2026, 1, 31)),
        (Term(label="", due_rule=DueRule.END_OF_MONTH_PLUS_DAYS, due_days=28), date(2026, 2, 28)),
        (
            Term(label="", due_rule=DueRule.FIXED_DATE, due_date=date(2026, 6, 30)),
            date(2026, 6, 30),
        ),
        (Term(label="", due_rule=DueRule.ON_MILESTONE, milestone="验收", due_days=15), None),
    ],
)
def test_due_dates_follow_their_rule(term: Term, due: date | None):
    assert due_date_of(term, SIGNED) == due


def test_end_of_month_is_the_signing_months_last_day_in_a_leap_february():
    term = Term(label="", due_rule=DueRule.END_OF_MONTH_PLUS_DAYS, due_days=1)
    assert due_date_of(term, date(2028, 2, 3)) == date(2028, 3, 1)


@pytest.mark.parametrize(
    ("due", "paid", "status"),
    [
        (None, "0", ReceivableStatus.UPCOMING),
        (date(2026, 2, 11), "0", ReceivableStatus.UPCOMING),
        (date(2026, 2, 10), "0", ReceivableStatus.DUE),
        (date(2026, 2, 9), "0", ReceivableStatus.OVERDUE),
        (date(2026, 2, 11), "10", ReceivableStatus.PARTIALLY_PAID),
        (date(2026, 2, 9), "10", ReceivableStatus.OVERDUE),
        (date(2026, 2, 9), "100", ReceivableStatus.PAID),
    ],
)
def test_a_receivables_status_on_a_day(due: date | None, paid: str, status: ReceivableStatus):
    today = date(2026, 2, 10)
    assert status_on(due, cny("100"), cny(paid), ReceivableStatus.UPCOMING, today) is status


def test_written_off_and_disputed_are_not_moved_by_the_calendar():
    for kept in (ReceivableStatus.WRITTEN_OFF, ReceivableStatus.DISPUTED):
        assert status_on(date(2020, 1, 1), cny("1"), cny("0"), kept, date(2026, 1, 1)) is kept


def plan_with_milestone():
    terms = [pct("90"), pct("10", due_rule=DueRule.ON_MILESTONE, milestone="验收", due_days=15)]
    return create_plan(
        plan_id="p-1",
        receivable_ids=["r-1", "r-2"],
        tenant_id="t1",
        contract=contract(),
        terms=terms,
        source=PlanSource.API,
        by="fin-1",
        now=NOW,
    )


def test_a_plan_has_one_receivable_per_instalment_and_says_so_in_its_event():
    plan = plan_with_milestone()
    first, second = plan.receivables
    assert (first.status, first.due_date) == (ReceivableStatus.OVERDUE, SIGNED)
    assert (second.status, second.due_date) == (ReceivableStatus.UPCOMING, None)
    assert [r.reference for r in plan.receivables] == ["HT-2026-0001-1", "HT-2026-0001-2"]
    assert plan.outstanding_total == cny("1000000.00")
    (event,) = plan.events
    assert event.event_type == "PaymentPlanCreated"
    instalments = event.payload["instalments"]
    assert instalments[1]["due_date"] == "" and instalments[1]["milestone"] == "验收"
    assert instalments[0]["amount"] == {"currency": "CNY", "units": "900000", "nanos": 0}


def test_a_plan_names_the_contract_fields_it_lacks():
    with pytest.raises(ValidationFailed) as exc:
        create_plan(
            plan_id="p",
            receivable_ids=["r"],
            tenant_id="t1",
            contract=contract(contract_number=" ", owner_id=""),
            terms=[pct("100")],
            source=PlanSource.API,
            by="u",
            now=NOW,
        )
    assert fields_of(exc) == ["contract_number", "owner_id"]


def test_a_reached_milestone_sets_the_due_date_once():
    _, waiting = plan_with_milestone().receivables
    reached = reach_milestone(waiting, date(2026, 2, 1), "rep-1", NOW)
    assert reached.due_date == date(2026, 2, 16)
    assert reached.status is ReceivableStatus.UPCOMING and reached.version == 2
    assert reached.events[0].payload["due_date"] == "2026-02-16"
    with pytest.raises(FailedPrecondition):
        reach_milestone(reached, date(2026, 2, 2), "rep-1", NOW)


def test_a_milestone_is_not_reached_before_signing_nor_in_the_future():
    first, waiting = plan_with_milestone().receivables
    with pytest.raises(FailedPrecondition):
        reach_milestone(first, date(2026, 2, 1), "rep-1", NOW)
    for day in (date(2026, 1, 30), date(2026, 2, 11)):
        with pytest.raises(ValidationFailed) as exc:
            reach_milestone(waiting, day, "rep-1", NOW)
        assert fields_of(exc) == ["reached_date"]


def test_contract_signed_terms_become_fixed_dates_and_none_is_the_whole_value_on_signing():
    payload = {
        "contract_id": "c-9",
        "number": "HT-9",
        "document_version": 2,
        "account_id": "a",
        "account_name": "A",
        "owner_id": "rep-1",
        "team_id": "",
        "value": {"currency": "CNY", "units": "1000", "nanos": 500000000},
        "signed_date": "2026-03-01",
        "payment_terms": [
            {"sequence": 2, "label": "rest", "amount": {"units": "700", "nanos": 500000000}},
            {
                "sequence": 1,
                "label": "deposit",
                "amount": {"currency": "CNY", "units": "300"},
                "due_date": "2026-03-05",
            },
        ],
    }
    ref, terms = from_contract_signed(payload)
    assert ref.value == cny("1000.5") and ref.document_version == 2
    assert [t.label for t in terms] == ["deposit", "rest"]
    assert terms[0].due_rule is DueRule.FIXED_DATE and terms[1].due_rule is DueRule.ON_SIGNING
    assert terms[1].amount == cny("700.5")
    _, whole = from_contract_signed({**payload, "payment_terms": []})
    assert [(t.percent, t.due_rule) for t in whole] == [(Decimal(100), DueRule.ON_SIGNING)]


def test_the_calendar_moves_a_receivable_at_the_start_of_its_days_in_china():
    from payment.plans.domain.receivables import next_check_at, refresh_status

    plan = create_plan(
        plan_id="p",
        receivable_ids=["r"],
        tenant_id="t1",
        contract=contract(signed_date=date(2026, 2, 20)),
        terms=[pct("100", due_rule=DueRule.DAYS_AFTER_SIGNING, due_days=5)],
        source=PlanSource.API,
        by="u",
        now=NOW,
    )
    (r,) = plan.receivables
    assert r.status is ReceivableStatus.UPCOMING
    assert next_check_at(r) == datetime(2026, 2, 24, 16, 0, tzinfo=UTC)  # 02-25 00:00 CST
    assert refresh_status(r, datetime(2026, 2, 24, 15, 59, tzinfo=UTC)) is r
    due = refresh_status(r, datetime(2026, 2, 24, 16, 0, tzinfo=UTC))
    assert (due.status, due.version) == (ReceivableStatus.DUE, 2)
    assert due.events[0].event_type == "ReceivableDue"
    assert due.events[0].payload["days_until_due"] == 0
    assert next_check_at(due) == datetime(2026, 2, 25, 16, 0, tzinfo=UTC)
    overdue = refresh_status(due, datetime(2026, 2, 27, 1, 0, tzinfo=UTC))
    assert overdue.status is ReceivableStatus.OVERDUE
    assert overdue.events[0].event_type == "ReceivableOverdue"
    assert overdue.events[0].payload["days_overdue"] == 2
    assert next_check_at(overdue) is None


def test_a_write_off_needs_a_reason_and_an_open_or_disputed_receivable():
    from payment.plans.domain.receivables import dispute, resolve_dispute, write_off

    first, _ = plan_with_milestone().receivables
    with pytest.raises(ValidationFailed) as exc:
        write_off(first, "  ", "fin-1", NOW)
    assert fields_of(exc) == ["reason"]
    disputed = dispute(first, "验收有异议", "rep-1", NOW)
    assert (disputed.status, disputed.dispute_reason) == (ReceivableStatus.DISPUTED, "验收有异议")
    assert disputed.events[0].payload["disputed"] is True
    gone = write_off(disputed, "客户破产", "fin-1", NOW)
    assert (gone.status, gone.written_off_by, gone.dispute_reason) == (
        ReceivableStatus.WRITTEN_OFF,
        "fin-1",
        "",
    )
    assert gone.events[0].payload["written_off"]["units"] == "900000"
    for action in (
        lambda r: write_off(r, "again", "fin-1", NOW),
        lambda r: dispute(r, "x", "rep-1", NOW),
        lambda r: resolve_dispute(r, "rep-1", NOW),
    ):
        with pytest.raises(FailedPrecondition):
            action(gone)


def test_a_resolved_dispute_gives_the_receivable_back_to_the_calendar():
    from payment.plans.domain.receivables import dispute, next_check_at, resolve_dispute

    first, _ = plan_with_milestone().receivables
    disputed = dispute(first, "金额有误", "rep-1", NOW)
    assert next_check_at(disputed) is None
    resolved = resolve_dispute(disputed, "fin-1", NOW)
    assert (resolved.status, resolved.version) == (ReceivableStatus.OVERDUE, 3)
    assert resolved.events[0].payload == {
        **resolved.events[0].payload,
        "disputed": False,
        "status": "overdue",
    }
