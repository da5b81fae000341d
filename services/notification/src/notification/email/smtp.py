"""Sending over SMTP (the standard library's smtplib; green under the worker's
eventlet): one connection per message, STARTTLS and login when configured. A refusal
is reported with the server's code, so 5xx fails the message and the rest is retried."""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage

from notification.email.domain import SendOutcome


@dataclass(frozen=True)
class SmtpServer:
    host: str = ""
    port: int = 25
    starttls: bool = False
    user: str = ""
    password: str = ""
    timeout: float = 10.0


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


class SmtpMailer:
    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    def send(self, message: EmailMessage) -> SendOutcome:
        if not self.server.host:
            return SendOutcome(
                False, 0, "no SMTP server is configured (CRM_NOTIFICATION_SMTP_HOST)"
            )
        try:
            with smtplib.SMTP(
                self.server.host, self.server.port, timeout=self.server.timeout
            ) as smtp:
                if self.server.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if self.server.user:
                    smtp.login(self.server.user, self.server.password)
                refused = smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            code, reply = next(iter(exc.recipients.values()))
            return SendOutcome(False, code, f"{code} {_text(reply)}")
        except smtplib.SMTPResponseException as exc:
            return SendOutcome(False, exc.smtp_code, f"{exc.smtp_code} {_text(exc.smtp_error)}")
        except (OSError, smtplib.SMTPException) as exc:
            return SendOutcome(False, 0, f"{type(exc).__name__}: {exc}"[:300])
        if refused:
            code, reply = next(iter(refused.values()))
            return SendOutcome(False, code, f"{code} {_text(reply)}")
        return SendOutcome(True, 250)
