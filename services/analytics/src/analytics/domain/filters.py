"""What a report is asked for: a period of UTC days, the caller's data scope and the
filters, validated with the field named. Pure Python."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from crm_runtime.errors import FieldViolation, require

MAX_RANGE_DAYS = 366
DEFAULT_DAYS = 30
GROUPS = ("", "owner", "team", "month")


@dataclass(frozen=True)
class Period:
    first: date
    last: date

    def holds(self, day: date | None) -> bool:
        return day is not None and self.first <= day <= self.last

    def previous(self) -> Period:
        """The period of the same length that ends the day before this one starts."""
        length = self.last - self.first
        last = self.first - timedelta(days=1)
        return Period(last - length, last)


def period(raw_from: str, raw_to: str, today: date, names: tuple[str, str]) -> Period:
    """Inclusive days from the two query values named `names`; an empty end defaults
    to the last 30 days up to today."""
    violations: list[FieldViolation] = []
    parsed: dict[str, date] = {}
    defaults = (today - timedelta(days=DEFAULT_DAYS - 1), today)
    for name, raw, default in zip(names, (raw_from, raw_to), defaults, strict=True):
        if not raw:
            parsed[name] = default
            continue
        try:
            parsed[name] = date.fromisoformat(raw)
        except ValueError:
            violations.append(FieldViolation(name, "must be a date YYYY-MM-DD"))
    require(violations)
    first, last = parsed[names[0]], parsed[names[1]]
    if first > last:
        violations.append(FieldViolation(names[0], f"must not be after '{names[1]}'"))
    elif (last - first).days >= MAX_RANGE_DAYS:
        violations.append(FieldViolation(names[1], f"range must be at most {MAX_RANGE_DAYS} days"))
    require(violations)
    return Period(first, last)


def group_by(raw: str, allowed: tuple[str, ...] = GROUPS) -> str:
    if raw not in allowed:
        named = ", ".join(repr(g) for g in allowed)
        require([FieldViolation("group_by", f"must be one of {named}")])
    return raw


@dataclass(frozen=True)
class Scope:
    """Whose figures the caller may see ("own", "team" or "all" of the tenant), narrowed
    by the owner and team filters asked for."""

    level: str
    user_id: str
    team_id: str = ""
    owner_filter: str = ""
    team_filter: str = ""

    def sees(self, owner_id: str, team_id: str) -> bool:
        if self.owner_filter and owner_id != self.owner_filter:
            return False
        if self.team_filter and team_id != self.team_filter:
            return False
        if self.level == "all":
            return True
        if self.level == "team" and self.team_id:
            return team_id == self.team_id
        return owner_id == self.user_id
