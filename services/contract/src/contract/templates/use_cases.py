"""Template use cases: create (code unique per tenant), read any version, list, and
change (a new version; contracts drafted from an earlier one keep its text). Every write
is one transaction with its event (the outbox)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from crm_runtime.clock import utcnow
from crm_runtime.errors import (
    AlreadyExists,
    FieldViolation,
    NotFound,
    ValidationFailed,
    check_version,
)
from crm_runtime.principal import Principal

from contract.indexes import NEWEST_FIRST
from contract.paging import one_page
from contract.ports import ContractStorage, Tables
from contract.templates import domain
from contract.templates.domain import Template, TemplateContent
from contract.templates.store import TemplateRepository


def new_id() -> str:
    return str(uuid.uuid4())


class TemplateApp:
    def __init__(
        self,
        storage: ContractStorage,
        clock: Callable[[], datetime] = utcnow,
        make_id: Callable[[], str] = new_id,
    ) -> None:
        self.storage = storage
        self.clock = clock
        self.new_id = make_id

    def create(self, principal: Principal, content: TemplateContent) -> Template:
        found = domain.problems(content)
        if found:
            raise ValidationFailed(found)
        template = domain.create(
            self.new_id(), principal.tenant_id, content, principal.user_id, self.clock()
        )

        def work(tables: Tables) -> Template:
            templates = TemplateRepository(tables, principal.tenant_id)
            if templates.by_code(content.code) is not None:
                raise AlreadyExists(f"a contract template with code {content.code} exists already")
            templates.add(template)
            return template

        return self.storage.run(work)

    def get(self, principal: Principal, template_id: str, version: int = 0) -> Template:
        if version < 0:
            raise ValidationFailed(
                [FieldViolation("version", "must be 0 (the current) or a version number")]
            )

        def work(tables: Tables) -> Template:
            found = TemplateRepository(tables, principal.tenant_id).get(template_id, version)
            if found is None:
                what = f" version {version}" if version else ""
                raise NotFound(f"contract template {template_id}{what} not found")
            return found

        return self.storage.run(work)

    def page(
        self, principal: Principal, include_inactive: bool, limit: int, cursor: str
    ) -> tuple[list[Template], str]:
        def fetch(size: int, after: tuple[Any, str] | None) -> list[Template]:
            return self.storage.run(
                lambda tables: TemplateRepository(tables, principal.tenant_id).page(
                    include_inactive,
                    size,
                    after,
                )
            )

        return one_page(
            NEWEST_FIRST, limit, cursor, fetch, lambda t: {"created_at": t.created_at, "_id": t.id}
        )

    def update(
        self,
        principal: Principal,
        template_id: str,
        change: Callable[[TemplateContent], TemplateContent],
        expected_version: int,
    ) -> Template:
        def work(tables: Tables) -> Template:
            templates = TemplateRepository(tables, principal.tenant_id)
            current = templates.get(template_id)
            if current is None:
                raise NotFound(f"contract template {template_id} not found")
            check_version(current.label, current.version, expected_version)
            content = change(current.content)
            if content.code != current.content.code:
                raise ValidationFailed(
                    [FieldViolation("template.code", "never changes: contracts name it")]
                )
            found = domain.problems(content)
            if found:
                raise ValidationFailed(found)
            if content == current.content:
                return current
            revised = domain.revise(current, content, principal.user_id, self.clock())
            templates.save(revised, current.version)
            return revised

        return self.storage.run(work)
