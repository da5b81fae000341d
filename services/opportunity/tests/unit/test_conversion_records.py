"""What a ConvertLead request meets (ADR 17): a retry with its key gets the first result, a
second key on a converted lead gets 409, a stale attempt is settled by what the lead
service says, and a LeadConverted event finishes a conversion a crash interrupted."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from crm_runtime.errors import Conflict, FailedPrecondition, ValidationFailed
from opportunity.conversion.domain.plan import ConversionPlan, LeadSnapshot, NewIds, plan_conversion
from opportunity.conversion.domain.records import (
    LEASE,
    ConversionState,
    Step,
    abandon,
    complete,
    next_step,
    recovers,
    refuse,
    start,
    take_over,
)

NOW = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
LEAD = LeadSnapshot(
    id="l1", status="qualified", name="张伟", source="web", owner_id="rep1", company="云图"
)
S = ConversionState


def _plan() -> ConversionPlan:
    plan = plan_conversion(LEAD, ids=NewIds("a1", "c1", "o1"), converted_by="rep1")
    assert isinstance(plan, ConversionPlan)
    return plan


def _record(state=S.PENDING, key="k1", started_at=NOW, reason=""):
    return replace(start(_plan(), idempotency_key=key, now=started_at), state=state, reason=reason)


def _next(by_key=None, by_lead=None, now=NOW, lead_id="l1"):
    return next_step(lead_id=lead_id, by_key=by_key, by_lead=by_lead, now=now)


def test_a_new_record_is_pending_and_holds_its_lead():
    record = start(_plan(), idempotency_key="k1", now=NOW)
    assert (record.lead_id, record.idempotency_key, record.state, record.started_at) == (
        "l1",
        "k1",
        S.PENDING,
        NOW,
    )
    assert record.holds_lead
    assert _record(S.COMPLETED).holds_lead
    assert not _record(S.REFUSED).holds_lead and not _record(S.ABANDONED).holds_lead


def test_a_first_request_starts():
    assert _next() is Step.START


def test_a_retry_with_the_same_key_answers_or_resumes():
    assert _next(by_key=_record(S.COMPLETED)) is Step.ANSWER
    assert _next(by_key=_record(S.PENDING)) is Step.RESUME
    # a retry long after a crash resumes its own record too, whatever its age
    assert _next(by_key=_record(S.PENDING), now=NOW + timedelta(days=1)) is Step.RESUME


@pytest.mark.parametrize("state", [S.REFUSED, S.ABANDONED])
def test_a_retry_of_a_refused_or_abandoned_conversion_gets_the_same_409(state):
    record = _record(state, reason="lead l1 is disqualified")
    with pytest.raises(FailedPrecondition, match="cannot convert lead l1: lead l1 is disqualified"):
        _next(by_key=record)


def test_a_key_reused_for_another_lead_is_refused():
    with pytest.raises(ValidationFailed) as err:
        _next(by_key=_record(S.COMPLETED), lead_id="l2")
    [violation] = err.value.violations
    assert violation.field == "idempotency_key"
    assert "was used to convert lead l1" in violation.description


def test_another_key_on_a_converted_lead_is_a_conflict_naming_the_account():
    with pytest.raises(FailedPrecondition, match="already converted into account a1"):
        _next(by_lead=_record(S.COMPLETED, key="k0"))


def test_another_key_while_a_conversion_runs_is_told_to_retry():
    running = _record(S.PENDING, key="k0")
    with pytest.raises(Conflict, match="being converted by another request"):
        _next(by_lead=running, now=NOW + LEASE - timedelta(seconds=1))
    assert _next(by_lead=running, now=NOW + LEASE) is Step.TAKE_OVER


def test_a_lead_whose_last_attempt_was_refused_may_be_converted_again():
    assert _next(by_lead=_record(S.REFUSED, key="k0")) is Step.START
    assert _next(by_lead=_record(S.ABANDONED, key="k0")) is Step.START


def test_settling_a_pending_record():
    pending = _record()
    assert complete(pending).state is S.COMPLETED
    refused = refuse(pending, "lead l1 is disqualified")
    assert (refused.state, refused.reason) == (S.REFUSED, "lead l1 is disqualified")
    assert abandon(pending, "stale").state is S.ABANDONED
    # the lead turned out marked with an abandoned record's ids after all
    assert complete(abandon(pending, "stale")).state is S.COMPLETED


@pytest.mark.parametrize(
    ("state", "settle"),
    [
        (S.COMPLETED, complete),
        (S.REFUSED, complete),
        (S.COMPLETED, lambda r: refuse(r, "x")),
        (S.ABANDONED, lambda r: refuse(r, "x")),
        (S.REFUSED, lambda r: abandon(r, "x")),
        (S.COMPLETED, lambda r: abandon(r, "x")),
    ],
)
def test_a_settled_record_stays_settled(state, settle):
    with pytest.raises(FailedPrecondition, match=f"from {state} to"):
        settle(_record(state))


def test_a_lead_converted_event_recovers_only_its_own_open_record():
    marked = {"account_id": "a1", "contact_id": "c1", "opportunity_id": "o1"}
    assert recovers(_record(S.PENDING), **marked)
    assert recovers(_record(S.ABANDONED), **marked)
    assert not recovers(_record(S.COMPLETED), **marked)  # already written: nothing to do
    assert not recovers(_record(S.REFUSED), **marked)
    assert not recovers(_record(S.PENDING), **{**marked, "opportunity_id": "o2"})


def test_a_stale_record_is_settled_by_what_the_lead_service_says_now():
    stale = _record(started_at=NOW - LEASE)
    not_marked = take_over(stale, LEAD)
    assert not_marked is not None and not_marked.state is S.ABANDONED
    assert "not marked converted" in not_marked.reason
    converted = replace(
        LEAD, status="converted", account_id="a1", contact_id="c1", opportunity_id="o1"
    )
    assert take_over(stale, converted) is None  # marked with its ids: the app completes it
    elsewhere = take_over(stale, replace(converted, account_id="a9"))
    assert elsewhere is not None and elsewhere.state is S.REFUSED
    assert "converted into account a9" in elsewhere.reason
