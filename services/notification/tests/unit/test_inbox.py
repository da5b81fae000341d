from datetime import UTC, datetime

from notification.domain.inbox import for_lead_created

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
