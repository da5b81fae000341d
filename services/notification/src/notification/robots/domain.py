"""Enterprise chat robots (DingTalk custom robot): which inbox items a tenant's group
robot posts, the signed request DingTalk documents, and a token bucket per robot that
folds a burst into one markdown digest instead of dropping messages or getting the
robot blocked. Pure Python.

DingTalk (open.dingtalk.com, custom robot, "加签"): the webhook URL gets `timestamp`
(milliseconds) and `sign` = url-encoded base64 HMAC-SHA256, keyed by the robot's
`SEC...` secret, of "<timestamp>\\n<secret>"; at most 20 messages a minute per robot,
beyond which it is blocked for 10 minutes (errcode 130101)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote_plus, urlencode, urlsplit

from crm_runtime.errors import FieldViolation, ValidationFailed

from notification.domain.inbox import Notification

BUCKET_SIZE = 20.0
REFILL = timedelta(minutes=1)  # the whole bucket refills in a minute: 20 a minute
BLOCKED_FOR = timedelta(minutes=10)
RETRY_DELAYS = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30))
PROVIDERS = ("dingtalk",)
FORMATS = ("markdown", "text")
KINDS = (
    "lead.created",
    "lead.assigned",
    "lead.sla_breached",
    "lead.follow_up_due",
    "lead.recycled",
    "opportunity.cadence_overdue",
    "opportunity.stage_approval_decided",
    "account.dormant",
    "quote.approval_decided",
)
TOO_FAST = 130101  # DingTalk: "send too fast"


class Status:
    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"


@dataclass(frozen=True)
class Robot:
    id: str
    tenant_id: str
    name: str
    provider: str
    url: str
    sealed_secret: str
    kinds: tuple[str, ...]
    format: str
    enabled: bool
    version: int
    created_at: datetime
    tokens: float = BUCKET_SIZE
    tokens_at: datetime | None = None

    def wants(self, kind: str) -> bool:
        return self.enabled and kind in self.kinds


@dataclass(frozen=True)
class RobotFields:
    name: str | None = None
    url: str | None = None
    secret: str | None = None
    kinds: Sequence[str] | None = None
    format: str | None = None
    enabled: bool | None = None
    provider: str | None = None


def check_fields(fields: RobotFields, creating: bool) -> None:
    bad: list[FieldViolation] = []
    name, url, secret = fields.name or "", fields.url or "", fields.secret or ""
    if (fields.name is not None or creating) and not 0 < len(name.strip()) <= 100:
        bad.append(FieldViolation("name", "1 to 100 characters"))
    parts = urlsplit(url) if "[" not in url else urlsplit("")
    if (fields.url is not None or creating) and (parts.scheme != "https" or not parts.hostname):
        bad.append(FieldViolation("url", "must be the robot's https webhook URL"))
    if (fields.secret is not None or creating) and not (
        secret.startswith("SEC") and len(secret) <= 200
    ):
        bad.append(FieldViolation("secret", "must be the robot's SEC... signing secret"))
    if fields.kinds is not None or creating:
        unknown = sorted(set(fields.kinds or []) - set(KINDS))
        if not fields.kinds:
            bad.append(FieldViolation("kinds", "name at least one notification kind"))
        elif unknown:
            bad.append(FieldViolation("kinds", f"unknown: {', '.join(unknown[:5])}"))
    if fields.format is not None and fields.format not in FORMATS:
        bad.append(FieldViolation("format", f"must be one of {', '.join(FORMATS)}"))
    if fields.provider is not None and fields.provider not in PROVIDERS:
        bad.append(FieldViolation("provider", f"must be one of {', '.join(PROVIDERS)}"))
    if bad:
        raise ValidationFailed(bad)


def sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk's `sign` query parameter (already url-encoded)."""
    digest = hmac.new(
        secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256
    ).digest()
    return quote_plus(base64.b64encode(digest).decode())


def signed_url(url: str, secret: str, timestamp_ms: int) -> str:
    joiner = "&" if urlsplit(url).query else "?"
    return (
        f"{url}{joiner}{urlencode({'timestamp': timestamp_ms})}&sign={sign(secret, timestamp_ms)}"
    )


@dataclass(frozen=True)
class RobotMessage:
    id: str
    tenant_id: str
    robot_id: str
    title: str
    text: str
    mobiles: tuple[str, ...]
    kind: str
    status: str
    created_at: datetime
    next_attempt_at: datetime | None
    attempts: int = 0
    reason: str = ""
    sent_at: datetime | None = None
    digest_of: int = 0  # how many messages the post that carried this one folded


def body(robot_format: str, title: str, lines: Sequence[str], mobiles: Sequence[str]) -> bytes:
    """The JSON DingTalk takes: markdown (a title, the text with each @mobile in it, as
    DingTalk requires for the mention to show) or text."""
    mention = " ".join(f"@{m}" for m in mobiles)
    at: dict[str, Any] = {"atMobiles": list(mobiles), "isAtAll": False}
    if robot_format == "text":
        content = "\n".join([title, *lines, mention]).strip()
        doc: dict[str, Any] = {"msgtype": "text", "text": {"content": content}, "at": at}
    else:
        text = "\n\n".join([f"#### {title}", *lines, mention]).strip()
        doc = {"msgtype": "markdown", "markdown": {"title": title, "text": text}, "at": at}
    return json.dumps(doc, ensure_ascii=False).encode()


def digest(messages: Sequence[RobotMessage]) -> tuple[str, list[str], list[str]]:
    """One markdown post for a burst: a count in the title, a line per message."""
    title = f"{len(messages)} 条新通知"
    lines = [f"- **{m.title}**：{m.text}" for m in messages]
    mobiles = list(dict.fromkeys(mb for m in messages for mb in m.mobiles))
    return title, lines, mobiles


def refill(robot: Robot, now: datetime) -> float:
    """The tokens the robot's bucket holds at `now`."""
    if robot.tokens_at is None:
        return BUCKET_SIZE
    gained = (now - robot.tokens_at) / REFILL * BUCKET_SIZE
    return min(BUCKET_SIZE, robot.tokens + max(0.0, gained))


def plan(robot: Robot, waiting: int, now: datetime) -> str:
    """What to do with `waiting` queued messages: "each" (enough tokens for every one),
    "digest" (a burst: one post for all), or "wait" (no token)."""
    tokens = refill(robot, now)
    if tokens < 1:
        return "wait"
    return "each" if waiting <= int(tokens) else "digest"


def spend(robot: Robot, posts: int, now: datetime) -> Robot:
    return replace(robot, tokens=refill(robot, now) - posts, tokens_at=now)


def next_token_at(robot: Robot, now: datetime) -> datetime:
    missing = max(0.0, 1 - refill(robot, now))
    return now + REFILL * (missing / BUCKET_SIZE)


@dataclass(frozen=True)
class PostResult:
    ok: bool
    reason: str = ""
    too_fast: bool = False


def result_of(status_code: int, response_start: str, error: str) -> PostResult:
    """DingTalk answers 200 with {"errcode": 0} when it posted; any other errcode is a
    refusal (130101: too fast, blocked for 10 minutes)."""
    if error or status_code != 200:
        return PostResult(False, error or f"HTTP {status_code}")
    try:
        answer = json.loads(response_start)
    except ValueError:
        return PostResult(False, f"not DingTalk's answer: {response_start[:100]}")
    code = answer.get("errcode", -1) if isinstance(answer, dict) else -1
    if code == 0:
        return PostResult(True)
    reason = f"errcode {code}: {answer.get('errmsg', '') if isinstance(answer, dict) else ''}"
    return PostResult(False, reason, too_fast=code == TOO_FAST)


def after_post(
    message: RobotMessage, result: PostResult, now: datetime, folded: int
) -> RobotMessage:
    attempts = message.attempts + 1
    if result.ok:
        return replace(
            message,
            status=Status.SENT,
            attempts=attempts,
            sent_at=now,
            next_attempt_at=None,
            reason="",
            digest_of=folded,
        )
    if result.too_fast:
        return replace(
            message, attempts=attempts, reason=result.reason, next_attempt_at=now + BLOCKED_FOR
        )
    if attempts > len(RETRY_DELAYS):
        return replace(
            message,
            status=Status.FAILED,
            attempts=attempts,
            next_attempt_at=None,
            reason=result.reason,
        )
    return replace(
        message,
        attempts=attempts,
        reason=result.reason,
        next_attempt_at=now + RETRY_DELAYS[attempts - 1],
    )


def message_for(
    notification: Notification, robot: Robot, mobile: str, now: datetime
) -> RobotMessage:
    """The robot's post of an inbox item, @ing the person by mobile when they gave one."""
    return RobotMessage(
        id=f"{notification.source_event_id}:{robot.id}:{notification.recipient_id}",
        tenant_id=notification.tenant_id,
        robot_id=robot.id,
        title=notification.title,
        text=notification.body,
        mobiles=(mobile,) if mobile else (),
        kind=notification.kind,
        status=Status.QUEUED,
        created_at=now,
        next_attempt_at=now,
    )
