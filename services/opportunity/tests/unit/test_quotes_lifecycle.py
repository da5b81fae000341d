"""Quote versions and their lifecycle: draft -> issued, or -> pending_approval -> issued /
rejected; revisions supersede; expiry; every event matches its crm.events.v1 message."""

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from crm_runtime.errors import Conflict, FailedPrecondition, ValidationFailed
from crm_runtime.messaging.schema import canonical_payload
from opportunity.quotes.domain.content import QuoteDraft, QuoteLineDraft, QuotePolicy
from opportunity.quotes.domain.numbers import format_quote_number
from opportunity.quotes.domain.quote import (
    TRANSITIONS,
    QuoteParties,
    QuoteStatus,
    create_quote,
    decide_discount,
    ensure_transition,
    expire_quote,
    is_due_to_expire,
    issue_quote,
    needs_discount_approval,
    revise_quote,
)

NOW = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
LATER = NOW + timedelta(hours=2)
TODAY = date(2026, 11, 24)
S = QuoteStatus
D = Decimal
POLICY = QuotePolicy()  # 15 %, sales_director
PARTIES = QuoteParties(opportunity_id="o1", account_id="a1", owner_id="rep1")


def _line(discount="10", price="1000", quantity="1"):
    return QuoteLineDraft(
        description="licence",
        quantity=quantity,
        unit_price=D(price),
        discount_percent=discount,
        tax_percent="13",
    )


def _draft(*discounts, valid_until="2026-12-31"):
    lines = tuple(_line(d) for d in discounts or ("10",))
    return QuoteDraft(currency="CNY", lines=lines, valid_until=valid_until)


def _quote(*discounts, **fields):
    quote = create_quote(
        _draft(*discounts),
        quote_id="q1",
        tenant_id="t1",
        number=format_quote_number(2026, 7),
        parties=PARTIES,
        created_by="rep1",
        now=NOW,
        today=TODAY,
        policy=POLICY,
    )
    return replace(quote, **fields)


def _issue(quote, *, version=None, policy=POLICY, today=TODAY, note=""):
    return issue_quote(
        quote,
        version=quote.version if version is None else version,
        issued_by="rep1",
        approval_id="ap1",
        now=LATER,
        today=today,
        policy=policy,
        note=note,
    )


def _decide(quote, approve, reason="", approval_id="ap1", today=TODAY):
    return decide_discount(
        quote,
        approval_id=approval_id,
        approve=approve,
        decided_by="dir1",
        reason=reason,
        now=LATER,
        today=today,
    )


def _revise(latest, *discounts, expected_version=None):
    return revise_quote(
        latest,
        _draft(*discounts),
        expected_version=latest.version if expected_version is None else expected_version,
        revised_by="rep2",
        now=LATER,
        today=TODAY,
        policy=POLICY,
    )


def _events(quote):
    """Each event's type and payload, after the proto schema has parsed it."""
    found = []
    for event in quote.events:
        assert (event.aggregate_type, event.aggregate_id) == ("quote", quote.id)
        assert event.aggregate_version == quote.version
        found.append((event.event_type, canonical_payload(event.event_type, event.payload)))
    return found


def test_a_new_quote_is_version_1_draft_with_its_number():
    quote = _quote()
    assert (quote.version, quote.status, quote.number) == (1, S.DRAFT, "Q-2026-000007")
    assert quote.parties == PARTIES
    assert quote.events == ()
    assert quote.label == "quote Q-2026-000007 v1"


def test_a_discount_within_the_threshold_is_issued_at_once():
    result = _issue(_quote("10", "15"))  # 15 % exactly is not above 15 %
    quote = result.quote
    assert (quote.status, quote.issued_by, quote.issued_at, quote.approval_id) == (
        S.ISSUED,
        "rep1",
        LATER,
        "",
    )
    assert result.approval is None and not result.approval_pending
    [(kind, payload)] = _events(quote)
    assert kind == "QuoteIssued"
    assert payload == {
        "quote_id": "q1",
        "quote_version": "1",
        "number": "Q-2026-000007",
        "opportunity_id": "o1",
        "account_id": "a1",
        "owner_id": "rep1",
        # nets 900 + 850, taxes 117 + 110.50; discount 250 of 2000
        "total": {"currency": "CNY", "units": "1977", "nanos": 500000000},
        "discount_percent": "12.5",
        "valid_until": "2026-12-31",
        "issued_by": "rep1",
        "approval_id": "",
    }


def test_an_overall_discount_above_the_threshold_waits_for_the_director():
    result = _issue(_quote("20", "20"), note=" big account ")
    quote, approval = result.quote, result.approval
    assert quote.status is S.PENDING_APPROVAL and result.approval_pending
    assert (quote.approval_id, quote.issue_requested_by, quote.issued_at) == ("ap1", "rep1", None)
    assert approval is not None
    assert (approval.approval_id, approval.quote, approval.approver_role) == (
        "ap1",
        quote,
        "sales_director",
    )
    assert (approval.discount_percent, approval.threshold_percent) == (D("20.00"), D(15))
    assert approval.lines_above == (1, 2)
    assert (approval.requested_by, approval.note) == ("rep1", "big account")
    assert "overall discount 20 %" in approval.description
    assert "discount of line 1, 2" in approval.description
    assert "15 % threshold" in approval.description and "sales_director" in approval.description
    [(kind, payload)] = _events(quote)
    assert kind == "QuoteApprovalRequested"
    assert payload["discount_percent"] == "20"
    assert payload["threshold_percent"] == "15"
    assert payload["approver_role"] == "sales_director"
    assert payload["requested_by"] == "rep1"
    assert payload["total"] == {"currency": "CNY", "units": "1808", "nanos": 0}


def test_one_line_above_the_threshold_needs_approval_even_when_the_overall_does_not():
    quote = _quote("30", "0", "0", "0")  # overall 7.5 %
    assert quote.totals.discount_percent == D("7.50")
    result = _issue(quote)
    assert result.approval is not None
    assert result.approval.lines_above == (1,)
    assert "overall" not in result.approval.description
    assert "discount of line 1 above the 15 % threshold" in result.approval.description


def test_the_threshold_is_the_pipelines():
    lenient = QuotePolicy.from_settings("25", "sales_manager")
    assert not needs_discount_approval(_quote("20"), lenient)
    assert _issue(_quote("20"), policy=lenient).quote.status is S.ISSUED
    strict = QuotePolicy.from_settings("0")
    result = _issue(_quote("0.01"), policy=strict)
    assert result.approval is not None and result.approval.approver_role == "sales_director"


def test_an_approved_discount_issues_the_version_in_the_requesters_name():
    waiting = replace(_issue(_quote("20")).quote, events=())
    quote = _decide(waiting, approve=True)
    assert (quote.status, quote.issued_by, quote.issued_at, quote.approval_id) == (
        S.ISSUED,
        "rep1",
        LATER,
        "ap1",
    )
    (decided, decision), (issued, payload) = _events(quote)
    assert (decided, issued) == ("QuoteApprovalDecided", "QuoteIssued")
    assert decision["decision"] == "approved"
    assert (decision["decided_by"], decision["requested_by"]) == ("dir1", "rep1")
    assert (payload["approval_id"], payload["issued_by"]) == ("ap1", "rep1")


def test_a_rejected_discount_closes_the_version_with_the_reason():
    waiting = replace(_issue(_quote("20")).quote, events=())
    with pytest.raises(ValidationFailed) as err:
        _decide(waiting, approve=False, reason="  ")
    assert [v.field for v in err.value.violations] == ["reason"]
    quote = _decide(waiting, approve=False, reason=" margin too thin ")
    assert (quote.status, quote.rejection_reason, quote.issued_at) == (
        S.REJECTED,
        "margin too thin",
        None,
    )
    [(kind, payload)] = _events(quote)
    assert kind == "QuoteApprovalDecided"
    assert (payload["decision"], payload["reason"]) == ("rejected", "margin too thin")


def test_a_decision_on_a_version_not_waiting_for_that_approval_is_refused():
    waiting = _issue(_quote("20")).quote
    with pytest.raises(FailedPrecondition, match="not waiting for approval ap2"):
        _decide(waiting, approve=True, approval_id="ap2")
    issued = _issue(_quote("5")).quote
    with pytest.raises(FailedPrecondition, match="from issued to rejected"):
        _decide(issued, approve=False, reason="no")


def test_an_expired_version_cannot_be_approved_but_can_be_rejected():
    waiting = _issue(_quote("20")).quote
    with pytest.raises(FailedPrecondition, match="valid until 2026-12-31"):
        _decide(waiting, approve=True, today=date(2027, 1, 1))
    assert _decide(waiting, False, "late", today=date(2027, 1, 1)).status is S.REJECTED


def test_issuing_again_changes_nothing():
    for discount in ("5", "20"):
        done = replace(_issue(_quote(discount)).quote, events=())
        again = _issue(done)
        assert again.quote == done and again.quote.events == ()
        assert again.approval is None


def test_issuing_needs_the_latest_version_still_valid():
    quote = _quote()
    with pytest.raises(Conflict, match="at version 1, not 2"):
        _issue(quote, version=2)
    with pytest.raises(FailedPrecondition, match="valid until 2026-12-31"):
        _issue(quote, today=date(2027, 1, 1))
    superseded = _revise(quote).previous
    with pytest.raises(Conflict, match="superseded"):
        _issue(superseded)
    rejected = _decide(_issue(_quote("20")).quote, approve=False, reason="no")
    with pytest.raises(FailedPrecondition, match="from rejected to pending_approval"):
        _issue(rejected)
    with pytest.raises(ValidationFailed):
        _issue(quote, note="n" * 501)


def test_a_revision_is_the_next_version_as_a_draft_and_supersedes_the_last():
    issued = _issue(_quote("10")).quote
    revision = _revise(issued, "5", "5")
    previous, current = revision.previous, revision.current
    assert (previous.status, previous.version, previous.content) == (
        S.SUPERSEDED,
        1,
        issued.content,  # an issued version is frozen: superseded, never edited
    )
    assert (current.id, current.number, current.version, current.status) == (
        "q1",
        "Q-2026-000007",
        2,
        S.DRAFT,
    )
    assert (current.created_by, current.created_at, current.parties) == ("rep2", LATER, PARTIES)
    assert len(current.content.lines) == 2 and current.events == ()
    assert revision.cancelled_approval_id == ""


def test_revising_a_version_waiting_for_approval_cancels_the_approval():
    waiting = _issue(_quote("20")).quote
    revision = _revise(waiting, "10")
    assert revision.cancelled_approval_id == "ap1"
    assert revision.current.approval_id == ""
    assert _issue(revision.current).quote.status is S.ISSUED


@pytest.mark.parametrize("status", [S.DRAFT, S.REJECTED, S.EXPIRED])
def test_drafts_rejected_and_expired_versions_may_be_revised(status):
    revision = _revise(_quote(status=status))
    assert (revision.previous.status, revision.current.version) == (S.SUPERSEDED, 2)


def test_a_revision_must_start_from_the_version_the_reviser_saw():
    latest = _revise(_quote()).current
    with pytest.raises(Conflict, match="at version 2, not 1"):
        _revise(latest, expected_version=1)
    assert _revise(latest, expected_version=0).current.version == 3  # 0: the latest
    with pytest.raises(Conflict, match="superseded"):
        _revise(_revise(latest).previous)


def test_a_bad_revision_is_refused_whole():
    with pytest.raises(ValidationFailed) as err:
        _revise(_quote(), "101")
    assert [v.field for v in err.value.violations] == ["lines[0].discount_percent"]


def test_issued_and_waiting_versions_expire_after_their_last_valid_day():
    issued = _issue(_quote("5")).quote
    waiting = _issue(_quote("20")).quote
    last_day, next_day = date(2026, 12, 31), date(2027, 1, 1)
    for quote in (issued, waiting):
        assert expire_quote(quote, today=last_day, now=LATER) is None
        assert is_due_to_expire(quote, next_day)
        expired = expire_quote(quote, today=next_day, now=LATER)
        assert expired is not None
        assert (expired.status, expired.updated_at) == (S.EXPIRED, LATER)
        assert expired.approval_id == quote.approval_id  # the app cancels a waiting approval
    for status in (S.DRAFT, S.SUPERSEDED, S.REJECTED, S.EXPIRED):
        assert expire_quote(_quote(status=status), today=next_day, now=LATER) is None


ALL_MOVES = [(a, b) for a in S for b in S if b not in TRANSITIONS[a]]


@pytest.mark.parametrize(("start", "target"), ALL_MOVES)
def test_every_move_outside_the_table_is_refused_naming_from_and_to(start, target):
    with pytest.raises(FailedPrecondition, match=f"from {start} to {target}"):
        ensure_transition(_quote(status=start), target)


def test_superseded_is_final_and_nothing_returns_to_draft():
    assert TRANSITIONS[S.SUPERSEDED] == frozenset()
    assert all(S.DRAFT not in targets for targets in TRANSITIONS.values())
