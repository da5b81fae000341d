"""Normal forms of the identifiers duplicates are found on: phone, email, company.

`+86 138-0013-8000`, `13800138000` and `＋８６ 138 0013 8000` all become `+8613800138000`.
"""

from __future__ import annotations

import re
import unicodedata

import phonenumbers
from email_validator import EmailNotValidError, validate_email

DEFAULT_REGION = "CN"
_SPACES = re.compile(r"\s+")
_COMPANY_NOISE = re.compile(r"[\s\u3000·・,，.。()（）\-_/]+")


class InvalidValue(ValueError):
    """The value cannot be normalised; the message says which rule it breaks."""


def normalise_phone(raw: str, region: str = DEFAULT_REGION) -> str:
    """E.164 form of a phone number; numbers without a country code are `region`'s."""
    text = unicodedata.normalize("NFKC", raw).strip()
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidValue("is not a phone number") from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidValue("is not a valid phone number (E.164, e.g. +8613800138000)")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_email(raw: str) -> str:
    """Lower-cased, syntax-checked email (no DNS look-up: capture must not wait on it)."""
    text = unicodedata.normalize("NFKC", raw).strip()
    try:
        checked = validate_email(text, check_deliverability=False)
    except EmailNotValidError as exc:
        raise InvalidValue(f"is not an email address ({exc})") from exc
    return checked.normalized.lower()


def normalise_text(raw: str) -> str:
    """Full-width folded (NFKC), trimmed, inner white space collapsed."""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", raw)).strip()


def company_key(raw: str) -> str:
    """The key duplicates are matched on: case, width, spaces and punctuation ignored."""
    return _COMPANY_NOISE.sub("", unicodedata.normalize("NFKC", raw)).casefold()
