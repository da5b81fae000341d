"""Domain errors: plain Python, raised by domain and application code.

Each maps to exactly one gRPC status code (in `grpc_errors`), and the gateway maps that
code to one HTTP status (problem+json). Nothing here imports a framework, so domain
packages may raise these freely.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldViolation:
    """One bad field: `field` is a dotted path (`lead.phone`), `description` the rule."""

    field: str
    description: str


MAX_NAMED = 5


class DomainError(Exception):
    """Base of every error the platform reports to callers on purpose."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ValidationFailed(DomainError):
    """The request breaks field rules; nothing was written."""

    def __init__(self, violations: list[FieldViolation], message: str = "") -> None:
        if not violations:
            raise ValueError("ValidationFailed needs at least one violation")
        # The message travels in gRPC trailers (a few KiB at most): name the first few;
        # every violation is still in the structured details.
        summary = "; ".join(f"{v.field}: {v.description}" for v in violations[:MAX_NAMED])
        if len(violations) > MAX_NAMED:
            summary += f"; and {len(violations) - MAX_NAMED} more"
        super().__init__(message or f"invalid request: {summary}")
        self.violations = list(violations)


class NotFound(DomainError):
    """The thing does not exist for this tenant (other tenants' things never exist)."""


class AlreadyExists(DomainError):
    """A unique thing was created twice."""


class Conflict(DomainError):
    """The write lost a race: a stale version, a slot already taken; retrying may help."""


class StaleVersion(Conflict):
    """The caller named a version (HTTP If-Match) the thing has moved past; nothing was
    written. Told apart from other conflicts so that the gateway answers 412 with the
    current version as the ETag, where a lost race is a 409."""

    def __init__(self, label: str, current_version: int, expected_version: int) -> None:
        super().__init__(
            f"{label} is at version {current_version}, not {expected_version}; read it again"
        )
        self.current_version = current_version


def check_version(label: str, current: int, expected: int) -> None:
    """0 means "any version"; otherwise an expectation other than `current` is stale."""
    if expected and current != expected:
        raise StaleVersion(label, current, expected)


class FailedPrecondition(DomainError):
    """The system is not in a state that allows this (e.g. an illegal status change)."""


class PermissionDenied(DomainError):
    """The principal may not do this."""


class Unauthenticated(DomainError):
    """No tenant or principal came with the call."""


def require(violations: list[FieldViolation]) -> None:
    """Raise ValidationFailed if any violation was collected."""
    if violations:
        raise ValidationFailed(violations)
