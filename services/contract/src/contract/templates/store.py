"""Template persistence over the storage seam: the current version (optimistically
locked by `version`) and a frozen copy of every version."""

from __future__ import annotations

from typing import Any

from contract.indexes import (
    NEWEST_FIRST,
    TEMPLATE_CODES,
    TEMPLATE_LIST,
    TEMPLATE_VERSIONS,
    TEMPLATES,
    TEMPLATES_ACTIVE,
)
from contract.ports import Tables
from contract.templates.documents import (
    template_from_doc,
    template_to_doc,
    version_key,
    version_to_doc,
)
from contract.templates.domain import Template


class TemplateRepository:
    def __init__(self, tables: Tables, tenant_id: str) -> None:
        self.tables = tables
        self.current = tables.table(TEMPLATES, tenant_id)
        self.versions = tables.table(TEMPLATE_VERSIONS, tenant_id)

    def add(self, template: Template) -> None:
        self.current.insert(template_to_doc(template))
        self.versions.insert(version_to_doc(template))
        self.tables.record(*template.events)

    def save(self, template: Template, expected_version: int) -> None:
        self.current.replace(template_to_doc(template), expected_version, template.label)
        self.versions.insert(version_to_doc(template))
        self.tables.record(*template.events)

    def get(self, template_id: str, version: int = 0) -> Template | None:
        if version:
            doc = self.versions.get(version_key(template_id, version))
        else:
            doc = self.current.get(template_id)
        return template_from_doc(doc) if doc else None

    def by_code(self, code: str) -> Template | None:
        doc = self.current.find_one({"code": code}, TEMPLATE_CODES.name)
        return template_from_doc(doc) if doc else None

    def page(
        self, include_inactive: bool, limit: int, after: tuple[Any, str] | None
    ) -> list[Template]:
        query: dict[str, Any] = {} if include_inactive else {"active": True}
        hint = TEMPLATE_LIST.name if include_inactive else TEMPLATES_ACTIVE.name
        return [
            template_from_doc(d) for d in self.current.page(query, NEWEST_FIRST, limit, after, hint)
        ]
