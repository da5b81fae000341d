"""Use cases for a tenant's lead configuration: settings, rules, reps, custom fields."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from enum import StrEnum
from typing import Any, Generic, TypeVar

from crm_runtime.errors import FieldViolation, check_version, require
from crm_runtime.principal import Principal

from lead.domain.assignment import AssignmentRule, Rep
from lead.domain.custom_fields import (
    CustomFieldDefinition,
    CustomFieldSchema,
    replace_definitions,
)
from lead.domain.settings import LeadSettings
from lead.ports import LeadStorage, TenantConfig

MAX_RULES = 100
T = TypeVar("T")


@dataclass(frozen=True)
class Versioned(Generic[T]):
    """A tenant's whole set (rules, custom field definitions) and its version, which each
    replacement moves on (HTTP: the ETag, and If-Match on the PUT)."""

    value: T
    version: int


def settings_as_dict(settings: LeadSettings) -> dict[str, Any]:
    """Every setting as plain JSON values (point tables as objects, enums as text)."""
    values: dict[str, Any] = {}
    for f in fields(settings):
        value = getattr(settings, f.name)
        if isinstance(value, Mapping):
            value = dict(value)
        elif isinstance(value, StrEnum):
            value = value.value
        values[f.name] = value
    return values


class LeadConfigApp:
    def __init__(self, storage: LeadStorage) -> None:
        self.storage = storage

    def _run(self, principal: Principal, work: Callable[[TenantConfig], Any]) -> Any:
        return self.storage.run(lambda stores: work(stores.config(principal.tenant_id)))

    def settings(self, principal: Principal) -> Versioned[dict[str, Any]]:
        return self._run(  # type: ignore[no-any-return]
            principal, lambda c: Versioned(settings_as_dict(c.settings()), c.settings_version())
        )

    def update_settings(
        self, principal: Principal, overrides: dict[str, Any], expected_version: int = 0
    ) -> Versioned[dict[str, Any]]:
        """The settings with `overrides` applied; with `expected_version`, only over that
        version (StaleVersion otherwise)."""

        def work(config: TenantConfig) -> Versioned[dict[str, Any]]:
            check_version("the lead settings", config.settings_version(), expected_version)
            merged = {**config.overrides(), **overrides}
            settings = LeadSettings.from_dict(merged)  # ValidationFailed names each setting
            config.save_overrides(merged)
            return Versioned(settings_as_dict(settings), config.settings_version())

        return self._run(principal, work)  # type: ignore[no-any-return]

    def rules(self, principal: Principal) -> Versioned[list[AssignmentRule]]:
        return self._run(principal, lambda c: Versioned(c.rules(), c.rules_version()))  # type: ignore[no-any-return]

    def replace_rules(
        self, principal: Principal, rules: list[AssignmentRule], expected_version: int = 0
    ) -> Versioned[list[AssignmentRule]]:
        """The rules in order, in place of the tenant's; with `expected_version`, only over
        that version (StaleVersion otherwise)."""
        violations = []
        if len(rules) > MAX_RULES:
            violations.append(FieldViolation("rules", f"at most {MAX_RULES} rules"))
        names = [r.name for r in rules]
        for i, rule in enumerate(rules):
            if not rule.name.strip() or len(rule.name) > 100:
                violations.append(FieldViolation(f"rules[{i}].name", "must be 1 to 100 characters"))
            elif names.count(rule.name) > 1:
                violations.append(FieldViolation(f"rules[{i}].name", "must be unique"))
            if rule.min_score is not None and not 0 <= rule.min_score <= 100:
                violations.append(
                    FieldViolation(f"rules[{i}].min_score", "must be between 0 and 100")
                )
        require(violations)

        def work(config: TenantConfig) -> Versioned[list[AssignmentRule]]:
            check_version("the assignment rules", config.rules_version(), expected_version)
            config.replace_rules(rules)
            return Versioned(config.rules(), config.rules_version())

        return self._run(principal, work)  # type: ignore[no-any-return]

    def reps(self, principal: Principal) -> list[tuple[Rep, str]]:
        return self._run(principal, lambda c: c.directory())  # type: ignore[no-any-return]

    def upsert_rep(self, principal: Principal, rep: Rep, manager_id: str) -> tuple[Rep, str]:
        violations = []
        if not rep.id.strip() or len(rep.id) > 64:
            violations.append(FieldViolation("rep.id", "must be 1 to 64 characters"))
        if rep.capacity is not None and not 0 <= rep.capacity <= 100_000:
            violations.append(FieldViolation("rep.capacity", "must be between 0 and 100000"))
        require(violations)

        def work(config: TenantConfig) -> tuple[Rep, str]:
            config.upsert_rep(rep, manager_id)
            saved = config.rep(rep.id)
            assert saved is not None
            return saved, manager_id

        return self._run(principal, work)  # type: ignore[no-any-return]

    def custom_fields(self, principal: Principal) -> Versioned[CustomFieldSchema]:
        return self._run(  # type: ignore[no-any-return]
            principal, lambda c: Versioned(c.custom_fields(), c.custom_fields_version())
        )

    def replace_custom_fields(
        self,
        principal: Principal,
        wanted: list[CustomFieldDefinition],
        expected_version: int = 0,
    ) -> Versioned[CustomFieldSchema]:
        """The active fields become `wanted`; the others are retired (custom_fields.py).
        With `expected_version`, only over that version (StaleVersion otherwise)."""

        def work(config: TenantConfig) -> Versioned[CustomFieldSchema]:
            current = config.custom_fields_version()
            check_version("the custom field definitions", current, expected_version)
            schema = replace_definitions(config.custom_fields(), wanted)
            config.save_custom_fields(schema)
            return Versioned(schema, current + 1)

        return self._run(principal, work)  # type: ignore[no-any-return]
