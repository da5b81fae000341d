"""Password hashing with argon2id (argon2-cffi's RFC 9106 defaults).

Hashing costs tens of milliseconds and 64 MiB on purpose, so it runs in a worker
thread instead of stalling the event loop. A sign-in for an unknown account still
verifies against a dummy hash, so the answer takes as long as for a known one.
"""

from __future__ import annotations

import asyncio
import functools
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from crm_runtime.errors import FieldViolation, ValidationFailed

MIN_LENGTH = 12
MAX_LENGTH = 256

_hasher = PasswordHasher()


@functools.cache
def _stand_in() -> str:
    """The hash unknown accounts are checked against (made once, on first need)."""
    return _hasher.hash(secrets.token_urlsafe(24))


def check_policy(password: str, field: str = "password") -> None:
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        raise ValidationFailed(
            [FieldViolation(field, f"must be {MIN_LENGTH} to {MAX_LENGTH} characters long")]
        )


async def hash_password(password: str) -> str:
    return await asyncio.to_thread(_hasher.hash, password)


def _verify(stored: str | None, password: str) -> bool:
    try:
        return _hasher.verify(stored or _stand_in(), password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


async def verify_password(stored: str | None, password: str) -> bool:
    """True only for a stored hash that matches; `None` burns the same time and fails."""
    return await asyncio.to_thread(_verify, stored, password)


def needs_rehash(stored: str) -> bool:
    """True when the stored hash used weaker parameters than today's defaults."""
    return _hasher.check_needs_rehash(stored)
