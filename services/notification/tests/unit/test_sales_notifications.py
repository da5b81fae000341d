"""Notifications about deals and accounts: who is told, about what, and when not at all."""

from datetime import UTC, datetime

from notification.domain.sales import SALES_BY_EVENT

NOW = datetime(2026, 11, 24, tzinfo=UTC)


def _envelope(event_type, **payload):
    return {"event_id": "e1", "event_type": event_type, "tenant_id": "t1", "payload": payload}


def test_the_owner_is_reminded_of_a_lapsed_cadence():
    event = _envelope(
        "OpportunityCadenceOverdue",
        opportunity_id="o1",
        name="云平台",
        owner_id="rep-1",
        stage="solution",
        cadence_days=2,
    )
    item = SALES_BY_EVENT["OpportunityCadenceOverdue"](event, "n1", NOW)
    assert item is not None
    assert (item.recipient_id, item.subject_type, item.subject_id) == ("rep-1", "opportunity", "o1")
    assert item.title == "商机跟进已逾期：云平台" and "2 天" in item.body


def test_the_requester_learns_the_approvers_decision_and_reason():
    event = _envelope(
        "StageApprovalDecided",
        approval_id="a1",
        opportunity_id="o1",
        opportunity_name="大单",
        from_stage="solution",
        to_stage="quote_negotiation",
        decision="rejected",
        reason="折扣过高",
        requested_by="rep-1",
    )
    item = SALES_BY_EVENT["StageApprovalDecided"](event, "n1", NOW)
    assert item is not None and item.recipient_id == "rep-1"
    assert item.title == "阶段变更审批已驳回：大单" and "折扣过高" in item.body


def test_a_dormant_account_tells_its_owner_and_nobody_when_unowned():
    event = _envelope(
        "AccountDormant", account_id="acc", name="云图", owner_id="rep-1", inactive_days=31
    )
    item = SALES_BY_EVENT["AccountDormant"](event, "n1", NOW)
    assert item is not None and (item.subject_type, item.subject_id) == ("account", "acc")
    unowned = _envelope("AccountDormant", account_id="acc", name="云图", owner_id="")
    assert SALES_BY_EVENT["AccountDormant"](unowned, "n2", NOW) is None


def test_the_requester_learns_the_quote_discount_decision():
    event = _envelope(
        "QuoteApprovalDecided",
        approval_id="a1",
        quote_id="q1",
        quote_version=2,
        opportunity_id="o1",
        owner_id="rep-1",
        decision="approved",
        decided_by="dir-1",
        reason="战略客户",
        requested_by="rep-2",
    )
    item = SALES_BY_EVENT["QuoteApprovalDecided"](event, "n1", NOW)
    assert item is not None
    assert (item.recipient_id, item.subject_type, item.subject_id) == ("rep-2", "quote", "q1")
    assert item.title == "报价折扣审批已批准" and "战略客户" in item.body
    del event["payload"]["requested_by"]
    assert SALES_BY_EVENT["QuoteApprovalDecided"](event, "n2", NOW).recipient_id == "rep-1"
