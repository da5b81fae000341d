"""Contract templates (合同模板) of a tenant: a kind (销售合同, 框架协议, 补充协议), typed
merge fields and clause text, versioned. Every change is a new version and every version
is kept, so a contract drafted from version 3 keeps version 3's clauses whatever the
template becomes. Pure Python."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime

from crm_runtime.errors import FieldViolation
from crm_runtime.messaging.events import DomainEvent

KINDS = ("sales", "framework", "supplement")  # 销售合同, 框架协议, 补充协议
FIELD_TYPES = ("text", "money", "date", "party", "lines", "instalments")
SOURCES = ("manual", "account", "opportunity", "quote", "contract")
KEY = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$")
CODE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{0,39}$")
MERGE = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")
MAX_CLAUSE = 20_000


@dataclass(frozen=True)
class MergeField:
    key: str
    label: str
    type: str
    source: str = "manual"
    required: bool = False
    default_value: str = ""


@dataclass(frozen=True)
class Clause:
    key: str
    title: str
    text: str
    standard: bool = False


@dataclass(frozen=True)
class TemplateContent:
    name: str
    code: str
    kind: str
    fields: tuple[MergeField, ...]
    clauses: tuple[Clause, ...]
    active: bool = True


@dataclass(frozen=True)
class Template:
    id: str
    tenant_id: str
    content: TemplateContent
    version: int
    created_by: str
    created_at: datetime
    updated_by: str
    updated_at: datetime
    events: tuple[DomainEvent, ...] = field(default=(), compare=False)

    @property
    def label(self) -> str:
        return f"contract template {self.id}"


def problems(content: TemplateContent, prefix: str = "template") -> list[FieldViolation]:
    """Every rule `content` breaks, each naming its field."""
    found: list[FieldViolation] = []

    def bad(path: str, rule: str) -> None:
        found.append(FieldViolation(f"{prefix}.{path}", rule))

    if not content.name.strip() or len(content.name) > 100:
        bad("name", "is required, at most 100 characters")
    if not CODE.match(content.code):
        bad("code", "must be 1-40 upper-case letters, digits, '-' or '_', e.g. SALES-STD")
    if content.kind not in KINDS:
        bad("kind", f"must be one of {', '.join(KINDS)}")
    keys: set[str] = set()
    for i, f in enumerate(content.fields):
        if not KEY.match(f.key):
            bad(f"fields[{i}].key", "must be lower-case words joined by '_' or '.'")
        elif f.key in keys:
            bad(f"fields[{i}].key", f"{f.key} is declared twice")
        keys.add(f.key)
        if f.type not in FIELD_TYPES:
            bad(f"fields[{i}].type", f"must be one of {', '.join(FIELD_TYPES)}")
        if f.source not in SOURCES:
            bad(f"fields[{i}].source", f"must be one of {', '.join(SOURCES)}")
        if not f.label.strip():
            bad(f"fields[{i}].label", "is required")
    if not content.clauses:
        bad("clauses", "at least one clause")
    clause_keys: set[str] = set()
    for i, c in enumerate(content.clauses):
        if not KEY.match(c.key):
            bad(f"clauses[{i}].key", "must be lower-case words joined by '_' or '.'")
        elif c.key in clause_keys:
            bad(f"clauses[{i}].key", f"{c.key} is used twice")
        clause_keys.add(c.key)
        if not c.title.strip():
            bad(f"clauses[{i}].title", "is required")
        if not c.text.strip() or len(c.text) > MAX_CLAUSE:
            bad(f"clauses[{i}].text", f"is required, at most {MAX_CLAUSE} characters")
        for name in MERGE.findall(c.text):
            if name not in keys:
                bad(f"clauses[{i}].text", f"names {{{{{name}}}}}, which is not a merge field")
    return found


def create(
    template_id: str, tenant_id: str, content: TemplateContent, by: str, now: datetime
) -> Template:
    template = Template(template_id, tenant_id, content, 1, by, now, by, now)
    return with_saved_event(template, now)


def revise(template: Template, content: TemplateContent, by: str, now: datetime) -> Template:
    """The next version with `content` (the code never changes: contracts name it)."""
    revised = replace(
        template,
        content=replace(content, code=template.content.code),
        version=template.version + 1,
        updated_by=by,
        updated_at=now,
        events=(),
    )
    return with_saved_event(revised, now)


def with_saved_event(template: Template, now: datetime) -> Template:
    event = DomainEvent(
        event_type="ContractTemplateSaved",
        tenant_id=template.tenant_id,
        aggregate_type="contract_template",
        aggregate_id=template.id,
        aggregate_version=template.version,
        occurred_at=now,
        payload={
            "template_id": template.id,
            "code": template.content.code,
            "kind": template.content.kind,
            "version": str(template.version),
            "saved_by": template.updated_by,
        },
    )
    return replace(template, events=(event,))
