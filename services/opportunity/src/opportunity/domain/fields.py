"""Field rules shared by accounts, contacts and opportunities: text lengths, tags,
typed custom fields, phone numbers, email addresses. Each check appends the rules a
value breaks to a list, so that one request learns about every bad field at once."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

import phonenumbers
from crm_runtime.errors import FieldViolation
from email_validator import EmailNotValidError, validate_email

from opportunity.domain.aggregate import parse_date
from opportunity.domain.money import parse_decimal
from opportunity.domain.text import clean_text

MAX_TAGS, MAX_TAG_LENGTH = 20, 50
MAX_CUSTOM_FIELDS, MAX_CUSTOM_TEXT = 50, 2000
CUSTOM_KEY = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
WEBSITE = re.compile(r"^(https?://)?[^\s/$.?#][^\s]{0,253}$", re.IGNORECASE)


class CustomKind(StrEnum):
    TEXT = "text"
    NUMBER = "number"
    DATE = "date"
    CHOICE = "choice"


@dataclass(frozen=True)
class CustomField:
    """A tenant-defined field: `value` is text of the `kind` (a decimal number, an ISO
    date, a choice's code)."""

    key: str
    kind: CustomKind
    value: str


def texts(
    values: dict[str, str], limits: dict[str, int], violations: list[FieldViolation]
) -> dict[str, str]:
    """Each value cleaned (NFKC, spaces), with a violation for each one too long."""
    clean = {}
    for name, limit in limits.items():
        value = clean_text(values.get(name, ""))
        if len(value) > limit:
            violations.append(FieldViolation(name, f"must be at most {limit} characters"))
        clean[name] = value
    return clean


def check_id(field: str, value: str, violations: list[FieldViolation]) -> None:
    if value and not ID.match(value):
        violations.append(FieldViolation(field, "is not an id (1 to 64 letters, digits, -_.:)"))


def tags(
    values: tuple[str, ...], violations: list[FieldViolation], field: str = "tags"
) -> tuple[str, ...]:
    if len(values) > MAX_TAGS:
        violations.append(FieldViolation(field, f"at most {MAX_TAGS}"))
    for i, tag in enumerate(values):
        if not tag.strip() or len(tag.strip()) > MAX_TAG_LENGTH:
            violations.append(
                FieldViolation(f"{field}[{i}]", f"must be 1 to {MAX_TAG_LENGTH} characters")
            )
    return tuple(dict.fromkeys(clean_text(t) for t in values if t.strip()))


def custom_fields(
    values: tuple[CustomField, ...], violations: list[FieldViolation]
) -> tuple[CustomField, ...]:
    if len(values) > MAX_CUSTOM_FIELDS:
        violations.append(FieldViolation("custom_fields", f"at most {MAX_CUSTOM_FIELDS}"))
    seen: set[str] = set()
    for i, item in enumerate(values):
        where = f"custom_fields[{i}]"
        if not CUSTOM_KEY.match(item.key):
            violations.append(
                FieldViolation(f"{where}.key", "must be lower-case letters, digits and _")
            )
        elif item.key in seen:
            violations.append(FieldViolation(f"{where}.key", f"{item.key} is given twice"))
        seen.add(item.key)
        problem = _custom_value_problem(item)
        if problem:
            violations.append(FieldViolation(f"{where}.{item.kind.value}", problem))
    return tuple(values)


def _custom_value_problem(item: CustomField) -> str:
    if item.kind is CustomKind.NUMBER:
        return "" if parse_decimal(item.value) is not None else "must be a decimal number"
    if item.kind is CustomKind.DATE:
        return "" if parse_date(item.value) else "must be a date YYYY-MM-DD"
    limit = MAX_CUSTOM_TEXT if item.kind is CustomKind.TEXT else 100
    return "" if len(item.value) <= limit else f"must be at most {limit} characters"


def phone(raw: str, violations: list[FieldViolation], field: str = "phone") -> str:
    """E.164 (numbers without a country code are Chinese); "" for an empty value."""
    text = unicodedata.normalize("NFKC", raw).strip()
    if not text:
        return ""
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        violations.append(
            FieldViolation(field, "is not a valid phone number (e.g. +8613800138000)")
        )
        return ""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def email(raw: str, violations: list[FieldViolation], field: str = "email") -> str:
    """Lower-cased and syntax-checked (no DNS look-up)."""
    text = unicodedata.normalize("NFKC", raw).strip()
    if not text:
        return ""
    try:
        return validate_email(text, check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        violations.append(FieldViolation(field, f"is not an email address ({exc})"))
        return ""


def website(raw: str, violations: list[FieldViolation]) -> str:
    text = raw.strip()
    if text and not WEBSITE.match(text):
        violations.append(FieldViolation("website", "is not a web address"))
    return text


def masked(
    mask: tuple[str, ...], editable: tuple[str, ...], what: str, violations: list[FieldViolation]
) -> tuple[str, ...]:
    """The fields an update names, each one an editable field."""
    if not mask:
        violations.append(FieldViolation("update_mask", "name at least one field to change"))
    for name in mask:
        if name not in editable:
            violations.append(
                FieldViolation(
                    "update_mask",
                    f"{name!r} is not an editable {what} field; one of {', '.join(editable)}",
                )
            )
    return tuple(dict.fromkeys(mask))
