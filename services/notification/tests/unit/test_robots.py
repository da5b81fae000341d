"""DingTalk custom robot: the signature DingTalk checks (against a local receiver that
checks it as DingTalk documents), text and markdown with @ by mobile, and a token
bucket per robot (20 a minute) that folds a burst into one markdown digest; the use
cases on the in-memory storage, posting over real HTTPS."""

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from crm_runtime.errors import ValidationFailed
from crm_runtime.principal import Principal
from crm_runtime.testing.receivers import dingtalk_robot, https_receiver
from notification.robots import domain
from notification.robots.domain import RobotFields, Status
from webhooks_support import Clock, app_for

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
ADMIN = Principal("t1", "admin-1", roles=("admin",))
REP = Principal("t1", "rep-1", roles=("sales_rep",))
SECRET = "SEC0123456789abcdef"


@pytest.fixture
def receiver(tmp_path):
    with https_receiver(tmp_path, path="/robot/send?access_token=tok") as r:
        r.answer = dingtalk_robot(SECRET, "tok")
        yield r


@pytest.fixture
def clock():
    return Clock(NOW)


@pytest.fixture
def app(receiver, clock):
    return app_for(receiver, clock)[0]


def robot(app, receiver, kinds=("lead.assigned",), fmt="markdown"):
    fields = RobotFields(
        name="销售群", url=receiver.url, secret=SECRET, kinds=list(kinds), format=fmt
    )
    return app.robots.create(ADMIN, fields)


def assigned(event_id, owner="rep-1"):
    return {
        "event_id": event_id,
        "tenant_id": "t1",
        "event_type": "LeadAssigned",
        "payload": {"lead_id": "l1", "owner_id": owner, "reason": "展会"},
    }


def posted(receiver):
    return [json.loads(r.body) for r in receiver.requests]


def test_the_sign_is_dingtalks():
    url = domain.signed_url(
        "https://oapi.dingtalk.com/robot/send?access_token=x", SECRET, 1700000000000
    )
    query = parse_qs(urlsplit(url).query)
    assert query["timestamp"] == ["1700000000000"] and query["access_token"] == ["x"]
    expected = base64.b64encode(
        hmac.new(SECRET.encode(), f"1700000000000\n{SECRET}".encode(), hashlib.sha256).digest()
    ).decode()
    assert query["sign"] == [expected]


def test_an_inbox_item_is_posted_signed_and_ats_the_person_by_mobile(app, receiver):
    bot = robot(app, receiver)
    app.email.change_my_address(REP, "138 0013 8000", True, 0, channel="mobile")
    app.inbox.on_event(assigned("ev1"))
    app.inbox.on_event(assigned("ev1"))  # the same event again: one post
    assert app.robots.send_due() == 1
    [post] = posted(receiver)
    assert post["msgtype"] == "markdown" and post["markdown"]["title"] == "有线索分配给你"
    assert post["at"] == {"atMobiles": ["13800138000"], "isAtAll": False}
    assert "@13800138000" in post["markdown"]["text"]
    [logged] = app.robots.messages(ADMIN, bot.id, 50, "").items
    assert logged.status == Status.SENT and logged.digest_of == 1


def test_a_burst_beyond_the_bucket_is_one_digest_and_the_rest_waits_for_tokens(
    app, receiver, clock
):
    bot = robot(app, receiver, fmt="text")
    for i in range(18):
        app.inbox.on_event(assigned(f"a{i}"))
    assert app.robots.send_due() == 18
    assert len(receiver.requests) == 18  # 18 of the 20 tokens: one post each
    for i in range(30):
        app.inbox.on_event(assigned(f"b{i}"))
    app.robots.send_due()
    assert len(receiver.requests) == 19  # 30 waiting, 2 tokens: one digest of 30
    digest = posted(receiver)[-1]
    assert digest["msgtype"] == "text" and digest["text"]["content"].startswith("30 条新通知")
    for i in range(5):  # 1 token left: still a burst, one more digest
        app.inbox.on_event(assigned(f"c{i}"))
    app.robots.send_due()
    assert len(receiver.requests) == 20
    app.inbox.on_event(assigned("d0"))  # no token: it waits for the next one
    app.robots.send_due()
    assert len(receiver.requests) == 20
    clock.advance(timedelta(seconds=3))  # a token comes back every 3 s
    app.robots.send_due()
    assert len(receiver.requests) == 21
    assert posted(receiver)[-1]["text"]["content"].startswith("有线索分配给你")
    logged = app.robots.messages(ADMIN, bot.id, 100, "").items
    assert sum(1 for m in logged if m.digest_of == 30) == 30
    assert all(m.status == Status.SENT for m in logged)


def test_a_wrong_secret_fails_with_dingtalks_reason_and_is_retried(app, receiver, clock):
    bot = app.robots.create(
        ADMIN,
        RobotFields(name="x", url=receiver.url, secret="SECwrong", kinds=["lead.assigned"]),
    )
    app.inbox.on_event(assigned("ev1"))
    app.robots.send_due()
    [logged] = app.robots.messages(ADMIN, bot.id, 50, "").items
    assert logged.status == Status.QUEUED and "310000" in logged.reason
    assert logged.next_attempt_at == NOW + timedelta(minutes=1)


def test_too_fast_blocks_the_robot_for_ten_minutes():
    message = domain.RobotMessage(
        "m1", "t1", "r1", "t", "b", (), "lead.assigned", Status.QUEUED, NOW, NOW
    )
    result = domain.result_of(200, '{"errcode":130101,"errmsg":"send too fast"}', "")
    assert result.too_fast
    later = domain.after_post(message, result, NOW, 1)
    assert later.next_attempt_at == NOW + timedelta(minutes=10)


def test_bad_fields_and_urls_are_named(app):
    with pytest.raises(ValidationFailed) as caught:
        app.robots.create(ADMIN, RobotFields(name="", url="http://x", secret="abc", kinds=["nope"]))
    assert {v.field for v in caught.value.violations} == {"name", "url", "secret", "kinds"}
    with pytest.raises(ValidationFailed) as caught:
        app.robots.create(
            ADMIN,
            RobotFields(name="x", url="https://10.0.0.1/r", secret=SECRET, kinds=["lead.assigned"]),
        )
    assert "private" in caught.value.violations[0].description
    with pytest.raises(ValidationFailed) as caught:
        app.email.change_my_address(REP, "call me", True, 0, channel="mobile")
    assert caught.value.violations[0].field == "mobile"
