"""Every figure the lead rules use, per tenant, defaulting to what DOMAIN.md says users expect.

The domain never reads configuration: the app loads a tenant's overrides once, turns them
into a frozen `LeadSettings` here (reporting every bad one by name), and hands that to
the rules. Figures DOMAIN.md leaves open (holding period, claim limit, capacity, score
weights and bands) get defaults chosen here, marked "ours".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import timedelta
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from crm_runtime.errors import FieldViolation, require

from lead.domain.channels import SOURCES


class DuplicatePolicy(StrEnum):
    REJECT = "reject"
    FLAG = "flag"
    MERGE = "merge"


# The lead fields whose presence makes a lead more complete, hence more worth calling.
COMPLETENESS_FIELDS = ("phone", "email", "company", "region", "industry", "product_line")

# Ours: referrals and trade-show contacts convert best in the field, bulk imports worst.
DEFAULT_SOURCE_POINTS = {
    "referral": 30,
    "trade_show": 25,
    "web": 20,
    "phone": 20,
    "wechat": 15,
    "third_party": 10,
    "api": 10,
    "import": 5,
}
DEFAULT_COMPLETENESS_POINTS = {
    "phone": 10,
    "email": 10,
    "company": 10,
    "region": 5,
    "industry": 5,
    "product_line": 5,
}


def _frozen(points: Mapping[str, int]) -> Mapping[str, int]:
    return MappingProxyType(dict(points))


@dataclass(frozen=True)
class LeadSettings:
    # SLA and recycling (DOMAIN.md)
    first_follow_up_hours: int = 24
    escalation_hours: int = 24  # the manager is warned one SLA period after the owner
    cadence_days: int = 3
    recycle_after_days: int = 30
    # Public pool
    cooldown_days: int = 7
    holding_days: int = 15  # ours
    claim_limit: int = 20  # ours: claims per rep per claim window
    claim_window_hours: int = 24
    mask_pool_contacts: bool = True
    # Assignment
    rep_capacity: int = 100  # ours: open leads per rep
    senior_score_threshold: int = 80
    # Scoring (ours)
    hot_threshold: int = 70
    warm_threshold: int = 40
    source_points: Mapping[str, int] = field(default_factory=lambda: _frozen(DEFAULT_SOURCE_POINTS))
    completeness_points: Mapping[str, int] = field(
        default_factory=lambda: _frozen(DEFAULT_COMPLETENESS_POINTS)
    )
    follow_up_points: int = 5
    follow_up_points_cap: int = 15
    reply_points: int = 10
    reply_points_cap: int = 20
    # Capture: flag for review rather than merge, since a wrong merge is hard to undo
    duplicate_policy: DuplicatePolicy = DuplicatePolicy.FLAG

    @property
    def first_follow_up_sla(self) -> timedelta:
        return timedelta(hours=self.first_follow_up_hours)

    @property
    def escalation(self) -> timedelta:
        return timedelta(hours=self.escalation_hours)

    @property
    def cadence(self) -> timedelta:
        return timedelta(days=self.cadence_days)

    @property
    def recycle_after(self) -> timedelta:
        return timedelta(days=self.recycle_after_days)

    @property
    def cooldown(self) -> timedelta:
        return timedelta(days=self.cooldown_days)

    @property
    def holding(self) -> timedelta:
        return timedelta(days=self.holding_days)

    @property
    def claim_window(self) -> timedelta:
        return timedelta(hours=self.claim_window_hours)

    @classmethod
    def from_dict(cls, overrides: Mapping[str, Any]) -> LeadSettings:
        """The defaults with a tenant's overrides, or ValidationFailed naming each bad one.

        Point tables are merged key by key, so `{"source_points": {"web": 25}}` changes
        the weight of web leads and keeps the others.
        """
        violations: list[FieldViolation] = []
        values: dict[str, Any] = {}
        known = {f.name for f in fields(cls)}
        for name, value in overrides.items():
            if name not in known:
                violations.append(FieldViolation(name, "is not a lead setting"))
            elif name in _BOUNDS:
                bad = _whole_number_problem(value, *_BOUNDS[name])
                if bad:
                    violations.append(FieldViolation(name, bad))
                else:
                    values[name] = value
            elif name in _POINT_KEYS:
                values[name] = _points(name, value, getattr(cls(), name), violations)
            elif name == "mask_pool_contacts":
                if isinstance(value, bool):
                    values[name] = value
                else:
                    violations.append(FieldViolation(name, "must be true or false"))
            elif value in [policy.value for policy in DuplicatePolicy]:  # duplicate_policy
                values[name] = DuplicatePolicy(value)
            else:
                policies = ", ".join(DuplicatePolicy)
                violations.append(FieldViolation(name, f"must be one of {policies}"))
        require(violations)
        settings = cls(**values)
        if settings.warm_threshold >= settings.hot_threshold:
            violations.append(FieldViolation("warm_threshold", "must be below hot_threshold"))
        if settings.recycle_after_days <= settings.cadence_days:
            violations.append(
                FieldViolation("recycle_after_days", "must be longer than cadence_days")
            )
        require(violations)
        return settings


_BOUNDS: dict[str, tuple[int, int]] = {
    "first_follow_up_hours": (1, 24 * 30),
    "escalation_hours": (1, 24 * 30),
    "cadence_days": (1, 90),
    "recycle_after_days": (1, 365),
    "cooldown_days": (0, 365),
    "holding_days": (0, 365),
    "claim_limit": (0, 10_000),
    "claim_window_hours": (1, 24 * 31),
    "rep_capacity": (1, 100_000),
    "senior_score_threshold": (0, 100),
    "hot_threshold": (1, 100),
    "warm_threshold": (0, 99),
    "follow_up_points": (0, 100),
    "follow_up_points_cap": (0, 100),
    "reply_points": (0, 100),
    "reply_points_cap": (0, 100),
}
_POINT_KEYS: dict[str, tuple[str, ...]] = {
    "source_points": SOURCES,
    "completeness_points": COMPLETENESS_FIELDS,
}
_POINT_RANGE = (-100, 100)


def _whole_number_problem(value: object, low: int, high: int) -> str:
    # bool is an int to Python but never what a tenant meant by a figure
    if not isinstance(value, int) or isinstance(value, bool):
        return "must be a whole number"
    if not low <= value <= high:
        return f"must be between {low} and {high}"
    return ""


def _points(
    name: str, value: object, defaults: Mapping[str, int], violations: list[FieldViolation]
) -> Mapping[str, int]:
    if not isinstance(value, Mapping):
        violations.append(FieldViolation(name, "must map names to points"))
        return defaults
    merged = dict(defaults)
    for key, points in value.items():
        if key not in _POINT_KEYS[name]:
            violations.append(
                FieldViolation(f"{name}.{key}", f"must be one of {', '.join(_POINT_KEYS[name])}")
            )
            continue
        bad = _whole_number_problem(points, *_POINT_RANGE)
        if bad:
            violations.append(FieldViolation(f"{name}.{key}", bad))
        else:
            merged[key] = points
    return _frozen(merged)
