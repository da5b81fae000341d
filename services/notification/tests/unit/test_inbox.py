from datetime import UTC, datetime

from notification.domain.inbox import (
    BY_EVENT,
    for_lead_assigned,
    for_lead_created,
    for_lead_recycled,
    for_lead_sla_breached,
)

NOW = datetime(2026, 11, 24, tzinfo=UTC)


def _envelope(**payload):
    base = {
        "lead_id": "l1",
        "name": "张伟",
        "company": "云图",
        "source": "wechat",
        "owner_id": "",
        "created_by": "u1",
    }
    return {"event_id": "e1", "tenant_id": "t1", "payload": {**base, **payload}}


def test_the_owner_is_told():
    n = for_lead_created(_envelope(owner_id="rep-7"), "n1", NOW)
    assert n.recipient_id == "rep-7"
    assert n.title == "新线索：张伟"
    assert "微信公众号" in n.body and "云图" in n.body
    assert (n.subject_type, n.subject_id, n.source_event_id) == ("lead", "l1", "e1")


def test_without_an_owner_the_creator_is_told():
    assert for_lead_created(_envelope(), "n1", NOW).recipient_id == "u1"


def test_nobody_to_tell_means_no_notification():
    assert for_lead_created(_envelope(created_by=""), "n1", NOW) is None


def _lead_event(event_type, **payload):
    return {
        "event_id": "e9",
        "tenant_id": "t1",
        "event_type": event_type,
        "payload": {"lead_id": "l1", **payload},
    }


def test_the_new_owner_hears_why_the_lead_is_theirs():
    n = for_lead_assigned(
        _lead_event("LeadAssigned", owner_id="wei", reason="rule 'east': next in turn"), "n", NOW
    )
    assert (n.recipient_id, n.kind) == ("wei", "lead.assigned") and "next in turn" in n.body


def test_sla_warnings_go_to_the_owner_then_the_manager():
    owner = for_lead_sla_breached(
        _lead_event("LeadSlaBreached", owner_id="wei", manager_id="boss", level="owner"), "n", NOW
    )
    manager = for_lead_sla_breached(
        _lead_event("LeadSlaBreached", owner_id="wei", manager_id="boss", level="manager"), "n", NOW
    )
    assert (owner.recipient_id, manager.recipient_id) == ("wei", "boss")
    assert "wei" in manager.body


def test_a_recycled_lead_tells_its_previous_owner_why():
    n = for_lead_recycled(
        _lead_event("LeadRecycled", previous_owner_id="wei", reason="30 天未跟进"), "n", NOW
    )
    assert n.recipient_id == "wei" and "30 天未跟进" in n.body


def test_every_listened_event_has_a_message():
    assert set(BY_EVENT) == {
        "LeadCreated",
        "LeadAssigned",
        "LeadSlaBreached",
        "LeadFollowUpDue",
        "LeadRecycled",
    }
