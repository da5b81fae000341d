"""Email: MIME composition (text and HTML, Chinese subjects as RFC 2047 encoded-words),
the send outcome rules, and the use cases on the in-memory storage sending to a real
local SMTP server (aiosmtpd): queued with the inbox item, once per event, status and
reason per message, per-tenant sender."""

from datetime import UTC, datetime, timedelta

import pytest
from crm_runtime.errors import StaleVersion, ValidationFailed
from crm_runtime.principal import Principal
from crm_runtime.testing.receivers import smtp_server
from notification.apps import NotificationApp, WebhookOptions
from notification.email import domain
from notification.email.domain import SendOutcome, Status
from notification.email.smtp import SmtpServer
from notification.memory import MemoryNotificationStorage
from webhooks_support import Clock

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
ADMIN = Principal("t1", "admin-1", roles=("admin",))
REP = Principal("t1", "rep-1", roles=("sales_rep",))


def mail(**over):
    base = {
        "id": "ev1:rep-1",
        "tenant_id": "t1",
        "recipient_id": "rep-1",
        "to_address": "rep1@example.com",
        "from_address": "crm@yuntu.cn",
        "from_name": "云图销售助手",
        "subject": "有线索分配给你",
        "text": "分配原因：展会；请在首次跟进期限前联系客户",
        "source_event_id": "ev1",
        "kind": "lead.assigned",
        "status": Status.QUEUED,
        "created_at": NOW,
        "next_attempt_at": NOW,
    }
    return domain.Mail(**{**base, **over})


def test_a_chinese_subject_is_encoded_and_both_parts_are_there():
    message = domain.compose(mail(), NOW)
    raw = message.as_bytes()
    assert b"Subject: =?utf-8?" in raw and "有线索".encode() not in raw.split(b"\n\n")[0]
    assert b"From: =?utf-8?" in raw and b"<crm@yuntu.cn>" in raw
    kinds = [part.get_content_type() for part in message.iter_parts()]
    assert kinds == ["text/plain", "text/html"]
    assert "请在首次跟进" in message.get_body(("plain",)).get_content()
    assert "<h2>有线索分配给你</h2>" in message.get_body(("html",)).get_content()


def test_transient_failures_are_retried_and_permanent_ones_fail_with_the_reason():
    retried = domain.after_send(mail(), SendOutcome(False, 451, "451 try later"), NOW)
    assert retried.status == Status.QUEUED and retried.next_attempt_at == NOW + timedelta(minutes=1)
    failed = domain.after_send(mail(), SendOutcome(False, 550, "550 no such user"), NOW)
    assert failed.status == Status.FAILED and failed.reason == "550 no such user"
    worn = mail(attempts=len(domain.RETRY_DELAYS))
    assert domain.after_send(worn, SendOutcome(False, 0, "refused"), NOW).status == Status.FAILED
    sent = domain.after_send(retried, SendOutcome(True, 250), NOW)
    assert (sent.status, sent.sent_at, sent.reason, sent.attempts) == (Status.SENT, NOW, "", 2)


@pytest.fixture
def mailbox():
    with smtp_server() as box:
        yield box


@pytest.fixture
def app(mailbox):
    options = WebhookOptions(smtp=SmtpServer(mailbox.host, mailbox.port))
    return NotificationApp(MemoryNotificationStorage(), options, Clock(NOW))


def assigned(event_id="ev1", owner="rep-1"):
    return {
        "event_id": event_id,
        "tenant_id": "t1",
        "event_type": "LeadAssigned",
        "payload": {"lead_id": "l1", "owner_id": owner, "reason": "展会"},
    }


def test_an_inbox_item_is_mailed_once_from_the_tenants_sender(app, mailbox):
    settings = app.email.change_settings(ADMIN, "crm@yuntu.cn", "云图销售助手", True, 0)
    assert settings.version == 1
    app.email.change_my_address(REP, "Rep1@Example.com", True, 0)
    assert app.inbox.on_event(assigned()) is True
    assert app.inbox.on_event(assigned()) is False  # the same event again: one email
    assert app.email.send_due() == 1
    [received] = mailbox.messages
    assert str(received["Subject"]) == "有线索分配给你"
    assert received["From"].addresses[0].display_name == "云图销售助手"
    assert received["To"].addresses[0].addr_spec == "Rep1@example.com"
    [logged] = app.email.messages(ADMIN, 50, "").items
    assert (logged.status, logged.attempts, logged.kind) == (Status.SENT, 1, "lead.assigned")


def test_nothing_is_mailed_to_someone_without_an_address_or_when_the_tenant_is_off(app, mailbox):
    app.inbox.on_event(assigned("ev1"))
    app.email.change_my_address(REP, "rep1@example.com", True, 0)
    app.inbox.on_event(assigned("ev2"))  # the tenant has no sender yet
    app.email.change_settings(ADMIN, "crm@yuntu.cn", "", True, 0)
    app.inbox.on_event(assigned("ev3", owner="rep-2"))  # rep-2 gave no address
    assert app.email.send_due() == 0 and app.email.messages(ADMIN, 50, "").items == []


def test_a_refused_address_fails_with_the_servers_reason(app, mailbox):
    mailbox.refuse["gone@example.com"] = "550 5.1.1 no such user"
    app.email.change_settings(ADMIN, "crm@yuntu.cn", "", True, 0)
    app.email.change_my_address(REP, "gone@example.com", True, 0)
    app.inbox.on_event(assigned())
    app.email.send_due()
    [logged] = app.email.messages(ADMIN, 50, "").items
    assert (
        logged.status == Status.FAILED
        and "550" in logged.reason
        and "no such user" in logged.reason
    )


def test_no_server_means_queued_with_the_reason_then_sent_when_it_answers(mailbox):
    clock = Clock(NOW)
    storage = MemoryNotificationStorage()
    down = NotificationApp(storage, WebhookOptions(smtp=SmtpServer("127.0.0.1", 1)), clock)
    down.email.change_settings(ADMIN, "crm@yuntu.cn", "", True, 0)
    down.email.change_my_address(REP, "rep1@example.com", True, 0)
    down.inbox.on_event(assigned())
    down.email.send_due()
    [queued] = down.email.messages(ADMIN, 50, "").items
    assert queued.status == Status.QUEUED and "refused" in queued.reason.lower()
    up = NotificationApp(
        storage, WebhookOptions(smtp=SmtpServer(mailbox.host, mailbox.port)), clock
    )
    assert up.email.send_due() == 0  # not before its retry is due
    clock.advance(timedelta(minutes=2))
    assert up.email.send_due() == 1 and len(mailbox.messages) == 1
    assert up.email.messages(ADMIN, 50, "").items[0].status == Status.SENT


def test_settings_and_addresses_are_checked_and_versioned(app):
    with pytest.raises(ValidationFailed) as caught:
        app.email.change_settings(ADMIN, "not an address", "", True, 0)
    assert caught.value.violations[0].field == "sender_address"
    with pytest.raises(ValidationFailed) as caught:
        app.email.change_my_address(REP, "rep@", True, 0)
    assert caught.value.violations[0].field == "address"
    app.email.change_settings(ADMIN, "crm@yuntu.cn", "", True, 0)
    with pytest.raises(StaleVersion):
        app.email.change_settings(ADMIN, "crm@yuntu.cn", "", False, 2)
    assert app.email.settings(Principal("t2", "admin-2")).version == 0  # tenants apart
