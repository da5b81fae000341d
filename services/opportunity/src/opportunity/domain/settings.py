"""A tenant's opportunity settings, defaulting to DOMAIN.md: stage changes of deals from
¥500,000 need the sales director's approval, open deals expect a follow-up every 2
days, and accounts without activity for 30 days are dormant. Pipelines may set their
own threshold, approver and cadence; these apply where a pipeline sets none.

The domain never reads configuration: the app loads the overrides and turns them into
a frozen `OpportunitySettings` here, reporting every bad one by name."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, fields
from decimal import Decimal
from typing import Any

from crm_runtime.errors import FieldViolation, require

from opportunity.domain.money import Money, money_problems, parse_decimal

ROLE = re.compile(r"^[a-z][a-z_]{0,63}$")


@dataclass(frozen=True)
class OpportunitySettings:
    approval_threshold: Decimal = Decimal(500_000)
    approval_currency: str = "CNY"
    approver_role: str = "sales_director"
    cadence_days: int = 2
    dormant_after_days: int = 30

    @property
    def threshold(self) -> Money:
        return Money(self.approval_threshold, self.approval_currency)

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON values; the threshold as a decimal string, never a float."""
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values["approval_threshold"] = f"{self.approval_threshold:f}"
        return values

    @classmethod
    def from_dict(cls, overrides: Mapping[str, Any]) -> OpportunitySettings:
        violations: list[FieldViolation] = []
        values: dict[str, Any] = {}
        for name, value in overrides.items():
            if name in _BOUNDS:
                low, high = _BOUNDS[name]
                if not isinstance(value, int) or isinstance(value, bool):
                    violations.append(FieldViolation(name, "must be a whole number"))
                elif not low <= value <= high:
                    violations.append(FieldViolation(name, f"must be between {low} and {high}"))
                else:
                    values[name] = value
            elif name == "approval_threshold":
                amount = parse_decimal(value) if isinstance(value, str) else None
                if amount is None:
                    violations.append(
                        FieldViolation(name, 'must be a decimal string, e.g. "500000"')
                    )
                else:
                    values[name] = amount
            elif name == "approval_currency":
                values[name] = value if isinstance(value, str) else ""
            elif name == "approver_role":
                if isinstance(value, str) and ROLE.match(value):
                    values[name] = value
                else:
                    violations.append(
                        FieldViolation(name, "must be a role name such as sales_director")
                    )
            else:
                violations.append(FieldViolation(name, "is not an opportunity setting"))
        require(violations)
        settings = cls(**values)
        for problem in money_problems("approval_threshold", settings.threshold):
            field = (
                "approval_currency" if problem.field.endswith("currency") else "approval_threshold"
            )
            violations.append(FieldViolation(field, problem.description))
        require(violations)
        return settings


_BOUNDS: dict[str, tuple[int, int]] = {
    "cadence_days": (1, 90),
    "dormant_after_days": (1, 730),
}
