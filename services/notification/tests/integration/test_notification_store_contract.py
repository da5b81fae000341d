"""One contract for the notification's storage seam (notification.ports), run against
both implementations: the Mongo stores on the embedded MongoDB and the in-memory fake
the unit suite runs on, so that the fake cannot drift from the store."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from crm_runtime.errors import Conflict
from crm_runtime.testing.storage import STORAGES, storage_for
from notification.domain.inbox import Notification
from notification.indexes import ensure_indexes
from notification.memory import MemoryNotificationStorage
from notification.mongo_storage import MongoNotificationStorage
from notification.webhooks import domain
from notification.webhooks.domain import EndpointFields, Outcome, SigningKey, Status

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # whole milliseconds, as BSON keeps them
LEASE = timedelta(seconds=60)


@pytest.fixture(params=STORAGES)
def storage(request):
    return storage_for(
        request, MemoryNotificationStorage, MongoNotificationStorage, ensure_indexes, "notification"
    )


def endpoint(endpoint_id="ep1", tenant="t1", at=NOW, types=("LeadCreated",)):
    fields = EndpointFields(url="https://erp.example.com/h", event_types=list(types))
    key = SigningKey("k1", "k1:sealed", at)
    return domain.create_endpoint(endpoint_id, tenant, fields, key, ["LeadCreated", "X"], at)


def delivery(delivery_id="d1", ep=None, at=NOW, event_id="ev1"):
    envelope = {
        "event_id": event_id,
        "event_type": "LeadCreated",
        "occurred_at": at,
        "payload": {"lead_id": "l1", "name": "张伟"},
    }
    return domain.new_delivery(delivery_id, ep or endpoint(), envelope, at)


def note(nid, recipient="rep-1", at=NOW, tenant="t1"):
    return Notification(nid, tenant, recipient, "lead.created", "t", "b", "lead", "l1", nid, at)


def test_endpoints_round_trip_and_save_over_their_version(storage):
    ep = domain.rotate(endpoint(), SigningKey("k1", "k1:second", NOW), NOW)
    storage.run(lambda s: s.endpoints("t1").add(endpoint()))
    saved = storage.run(lambda s: s.endpoints("t1").save(ep, 1))
    assert saved.version == 2
    assert storage.run(lambda s: s.endpoints("t1").get("ep1")) == saved
    assert saved.keys[0].retires_at == NOW + domain.ROTATION_OVERLAP
    with pytest.raises(Conflict):
        storage.run(lambda s: s.endpoints("t1").save(ep, 1))
    assert storage.run(lambda s: s.endpoints("t2").get("ep1")) is None
    storage.run(lambda s: s.endpoints("t2").delete("ep1"))  # another tenant's: untouched
    assert storage.run(lambda s: s.endpoints("t1").get("ep1")) is not None
    storage.run(lambda s: s.endpoints("t1").delete("ep1"))
    assert storage.run(lambda s: s.endpoints("t1").get("ep1")) is None


def test_endpoints_page_newest_first_and_by_subscription(storage):
    for i in range(3):
        ep = endpoint(
            f"ep{i}",
            at=NOW + timedelta(seconds=i),
            types=("LeadCreated", "X")[: i + 1 if i < 2 else 1],
        )
        storage.run(lambda s, ep=ep: s.endpoints("t1").add(ep))
    off = replace(endpoint("ep9", at=NOW), enabled=False)
    storage.run(lambda s: s.endpoints("t1").add(off))
    storage.run(lambda s: s.endpoints("t2").add(endpoint("other", tenant="t2")))
    first = storage.run(lambda s: s.endpoints("t1").page(2, None))
    assert [e.id for e in first] == ["ep2", "ep1"]
    rest = storage.run(lambda s: s.endpoints("t1").page(5, (first[-1].created_at, first[-1].id)))
    assert [e.id for e in rest] == ["ep9", "ep0"]  # same instant: by id, descending
    wanted = storage.run(lambda s: s.endpoints("t1").subscribed("X"))
    assert [e.id for e in wanted] == ["ep1"]
    assert {e.id for e in storage.run(lambda s: s.endpoints("t1").subscribed("LeadCreated"))} == {
        "ep0",
        "ep1",
        "ep2",
    }


def test_due_deliveries_are_claimed_once_and_saved_under_the_claim(storage):
    storage.run(lambda s: s.deliveries("t1").add(delivery("d1")))
    storage.run(
        lambda s: s.deliveries("t2").add(
            delivery("d2", endpoint(tenant="t2"), NOW + timedelta(seconds=1))
        )
    )
    claimed = storage.claim_due(NOW + timedelta(seconds=1), 10, LEASE)
    assert [(d.id, d.tenant_id) for d, _ in claimed] == [("d1", "t1"), ("d2", "t2")]
    assert storage.claim_due(NOW + timedelta(seconds=2), 10, LEASE) == []  # held
    (d1, claim), _ = claimed
    done, _ = domain.after_attempt(d1, endpoint(), Outcome(200, 7, "ok"), NOW)
    storage.run(lambda s: s.deliveries("t1").save(done, claim))
    stored = storage.run(lambda s: s.deliveries("t1").get("d1"))
    assert stored.status == Status.SUCCEEDED and stored.next_attempt_at is None
    assert stored.attempts[0].status_code == 200 and stored.attempts[0].response_start == "ok"
    with pytest.raises(Conflict):
        storage.run(lambda s: s.deliveries("t1").save(done, claim + timedelta(seconds=1)))
    # a claim that ran out (a worker died) is due again
    again = storage.claim_due(NOW + LEASE + timedelta(seconds=2), 10, LEASE)
    assert [d.id for d, _ in again] == ["d2"]


def test_a_retry_is_due_again_at_its_time(storage):
    storage.run(lambda s: s.deliveries("t1").add(delivery("d1")))
    [(d1, claim)] = storage.claim_due(NOW, 10, LEASE)
    retry, _ = domain.after_attempt(d1, endpoint(), Outcome(500, 7), NOW, jitter=lambda: 0.5)
    storage.run(lambda s: s.deliveries("t1").save(retry, claim))
    assert storage.claim_due(NOW + timedelta(seconds=4), 10, LEASE) == []
    [(again, _)] = storage.claim_due(NOW + timedelta(seconds=5), 10, LEASE)
    assert len(again.attempts) == 1 and again.next_attempt_at == NOW + timedelta(seconds=5)


def test_deliveries_page_per_endpoint_newest_first(storage):
    for i in range(3):
        d = delivery(f"d{i}", at=NOW + timedelta(seconds=i), event_id=f"ev{i}")
        storage.run(lambda s, d=d: s.deliveries("t1").add(d))
    other = delivery("x", endpoint("ep2"))
    storage.run(lambda s: s.deliveries("t1").add(other))
    page = storage.run(lambda s: s.deliveries("t1").page("ep1", 2, None))
    assert [d.id for d in page] == ["d2", "d1"]
    rest = storage.run(
        lambda s: s.deliveries("t1").page("ep1", 2, (page[-1].created_at, page[-1].id))
    )
    assert [d.id for d in rest] == ["d0"]
    assert storage.run(lambda s: s.deliveries("t2").page("ep1", 5, None)) == []


def test_inbox_pages_counts_and_marks_read(storage):
    for i in range(3):
        n = note(f"n{i}", at=NOW + timedelta(seconds=i))
        storage.run(lambda s, n=n: s.notifications("t1").add(n))
    storage.run(lambda s: s.notifications("t1").add(note("m", recipient="rep-2")))
    page = storage.run(lambda s: s.notifications("t1").page("rep-1", False, 2, None))
    assert [n.id for n in page] == ["n2", "n1"]
    assert storage.run(lambda s: s.notifications("t1").mark_read("rep-1", ["n1", "m"])) == 1
    assert storage.run(lambda s: s.notifications("t1").unread_count("rep-1")) == 2
    unread = storage.run(lambda s: s.notifications("t1").page("rep-1", True, 5, None))
    assert [n.id for n in unread] == ["n2", "n0"]


def test_an_event_is_handled_once_and_a_failed_effect_leaves_nothing(storage):
    envelope = {"event_id": "ev1", "tenant_id": "t1", "event_type": "LeadCreated"}
    added = lambda s: s.deliveries("t1").add(delivery("d1"))  # noqa: E731
    assert storage.handle_once("h", envelope, added) is True
    assert storage.handle_once("h", envelope, added) is False

    def boom(s):
        s.deliveries("t1").add(delivery("d2"))
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        storage.handle_once("h2", envelope, boom)
    assert storage.run(lambda s: s.deliveries("t1").get("d2")) is None
    assert storage.handle_once("h2", envelope, lambda s: None) is True


def test_email_settings_and_addresses_insert_then_save_over_their_version(storage):
    settings = storage.run(lambda s: s.email("t1").settings())
    assert settings.version == 0 and not settings.enabled
    on = replace(settings, sender_address="crm@yuntu.cn", sender_name="云图", enabled=True)
    saved = storage.run(lambda s: s.email("t1").save_settings(on))
    assert saved.version == 1 and storage.run(lambda s: s.email("t1").settings()) == saved
    again = storage.run(lambda s: s.email("t1").save_settings(replace(saved, enabled=False)))
    assert again.version == 2
    with pytest.raises(Conflict):
        storage.run(lambda s: s.email("t1").save_settings(replace(saved, sender_name="x")))
    # the same user id in two tenants: two addresses
    for tenant, address in (("t1", "a@one.cn"), ("t2", "a@two.cn")):
        current = storage.run(lambda s, t=tenant: s.email(t).address("u1"))
        assert current.version == 0
        changed = replace(current, address=address, enabled=True)
        storage.run(lambda s, t=tenant, c=changed: s.email(t).save_address(c))
    assert storage.run(lambda s: s.email("t1").address("u1")).address == "a@one.cn"
    assert storage.run(lambda s: s.email("t2").address("u1")).address == "a@two.cn"
    assert storage.run(lambda s: s.email("t2").settings()).version == 0
    # a person's mobile (for chat robots) is kept apart from their email address
    mobile = storage.run(lambda s: s.email("t1").address("u1", "mobile"))
    assert (mobile.version, mobile.channel) == (0, "mobile")
    changed = replace(mobile, address="13800138000", enabled=True)
    saved = storage.run(lambda s: s.email("t1").save_address(changed))
    assert saved.channel == "mobile" and saved.version == 1
    assert storage.run(lambda s: s.email("t1").address("u1")).address == "a@one.cn"
    assert storage.run(lambda s: s.email("t1").address("u1", "mobile")).address == "13800138000"


def test_queued_emails_are_claimed_saved_under_the_claim_and_paged(storage):
    from notification.email.domain import Mail, SendOutcome, after_send

    def queued(mail_id, tenant="t1", at=NOW):
        return Mail(
            mail_id,
            tenant,
            "rep-1",
            "r@x.cn",
            "crm@y.cn",
            "云图",
            "主题",
            "正文",
            "ev",
            "lead.assigned",
            "queued",
            at,
            at,
        )

    storage.run(lambda s: s.mails("t1").add(queued("m1")))
    storage.run(lambda s: s.mails("t2").add(queued("m2", "t2", NOW + timedelta(seconds=1))))
    claimed = storage.claim_due_mails(NOW + timedelta(seconds=1), 10, LEASE)
    assert [(m.id, m.tenant_id) for m, _ in claimed] == [("m1", "t1"), ("m2", "t2")]
    assert storage.claim_due_mails(NOW + timedelta(seconds=2), 10, LEASE) == []
    m1, claim = claimed[0]
    sent = after_send(m1, SendOutcome(True, 250), NOW)
    storage.run(lambda s: s.mails("t1").save(sent, claim))
    with pytest.raises(Conflict):
        storage.run(lambda s: s.mails("t1").save(sent, claim + timedelta(seconds=1)))
    [stored] = storage.run(lambda s: s.mails("t1").page(5, None))
    assert (stored.status, stored.sent_at, stored.next_attempt_at) == ("sent", NOW, None)
    assert storage.run(lambda s: s.mails("t1").get("m2")) is None


def test_robots_round_trip_keep_their_bucket_apart_from_their_version(storage):
    from notification.robots.domain import Robot, RobotMessage

    bot = Robot(
        "r1",
        "t1",
        "销售群",
        "dingtalk",
        "https://oapi.dingtalk.com/robot/send?access_token=x",
        "k1:sealed",
        ("lead.assigned",),
        "markdown",
        True,
        1,
        NOW,
    )
    storage.run(lambda s: s.robots("t1").add(bot))
    storage.run(lambda s: s.robots("t1").add(replace(bot, id="r2", enabled=False)))
    assert storage.run(lambda s: s.robots("t1").get("r1")) == bot
    storage.run(lambda s: s.robots("t1").set_bucket("r1", 3.5, NOW + timedelta(seconds=1)))
    got = storage.run(lambda s: s.robots("t1").get("r1"))
    assert (got.tokens, got.tokens_at, got.version) == (3.5, NOW + timedelta(seconds=1), 1)
    saved = storage.run(lambda s: s.robots("t1").save(replace(got, name="新群"), 1))
    assert saved.version == 2 and saved.tokens == 3.5
    assert [r.id for r in storage.run(lambda s: s.robots("t1").subscribed("lead.assigned"))] == [
        "r1"
    ]
    assert storage.run(lambda s: s.robots("t2").subscribed("lead.assigned")) == []

    message = RobotMessage(
        "m1", "t1", "r1", "标题", "正文", ("13800138000",), "lead.assigned", "queued", NOW, NOW
    )
    storage.run(lambda s: s.robot_messages("t1").add(message))
    [(claimed, claim)] = storage.claim_due_robot_messages(NOW, 10, LEASE)
    assert claimed == message
    assert storage.claim_due_robot_messages(NOW, 10, LEASE) == []
    sent = replace(
        claimed, status="sent", next_attempt_at=None, sent_at=NOW, attempts=1, digest_of=3
    )
    storage.run(lambda s: s.robot_messages("t1").save(sent, claim))
    assert storage.run(lambda s: s.robot_messages("t1").page("r1", 5, None)) == [sent]
    with pytest.raises(Conflict):
        storage.run(lambda s: s.robot_messages("t1").save(sent, claim + LEASE))
