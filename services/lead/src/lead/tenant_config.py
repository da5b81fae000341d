"""Use cases for a tenant's lead configuration: settings, rules, reps, custom fields."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import fields
from enum import StrEnum
from typing import Any

from crm_runtime.errors import FieldViolation, require
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

    def settings(self, principal: Principal) -> dict[str, Any]:
        return self._run(principal, lambda c: settings_as_dict(c.settings()))  # type: ignore[no-any-return]

    def update_settings(self, principal: Principal, overrides: dict[str, Any]) -> dict[str, Any]:
        def work(config: TenantConfig) -> dict[str, Any]:
            merged = {**config.overrides(), **overrides}
            settings = LeadSettings.from_dict(merged)  # ValidationFailed names each setting
            config.save_overrides(merged)
            return settings_as_dict(settings)

        return self._run(principal, work)  # type: ignore[no-any-return]

    def rules(self, principal: Principal) -> list[AssignmentRule]:
        return self._run(principal, lambda c: c.rules())  # type: ignore[no-any-return]

    def replace_rules(
        self, principal: Principal, rules: list[AssignmentRule]
    ) -> list[AssignmentRule]:
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

        def work(config: TenantConfig) -> list[AssignmentRule]:
            config.replace_rules(rules)
            return config.rules()

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

    def custom_fields(self, principal: Principal) -> CustomFieldSchema:
        return self._run(principal, lambda c: c.custom_fields())  # type: ignore[no-any-return]

    def replace_custom_fields(
        self, principal: Principal, wanted: list[CustomFieldDefinition]
    ) -> CustomFieldSchema:
        """The active fields become `wanted`; the others are retired (custom_fields.py)."""

        def work(config: TenantConfig) -> CustomFieldSchema:
            schema = replace_definitions(config.custom_fields(), wanted)
            config.save_custom_fields(schema)
            return schema

        return self._run(principal, work)  # type: ignore[no-any-return]
