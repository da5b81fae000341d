"""Templates as stored: the current version in contract_templates, and every version,
frozen, in contract_template_versions (`_id` = "<template id>:<version>")."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from contract.templates.domain import Clause, MergeField, Template, TemplateContent

Doc = dict[str, Any]


def version_key(template_id: str, version: int) -> str:
    return f"{template_id}:{version}"


def template_to_doc(t: Template) -> Doc:
    c = t.content
    return {
        "_id": t.id,
        "name": c.name,
        "code": c.code,
        "kind": c.kind,
        "active": c.active,
        "fields": [asdict(f) for f in c.fields],
        "clauses": [asdict(x) for x in c.clauses],
        "version": t.version,
        "created_by": t.created_by,
        "created_at": t.created_at,
        "updated_by": t.updated_by,
        "updated_at": t.updated_at,
    }


def version_to_doc(t: Template) -> Doc:
    return {**template_to_doc(t), "_id": version_key(t.id, t.version), "template_id": t.id}


def template_from_doc(d: Doc) -> Template:
    content = TemplateContent(
        name=d["name"],
        code=d["code"],
        kind=d["kind"],
        fields=tuple(MergeField(**f) for f in d["fields"]),
        clauses=tuple(Clause(**x) for x in d["clauses"]),
        active=d["active"],
    )
    return Template(
        id=str(d.get("template_id", d["_id"])),
        tenant_id=d["tenant_id"],
        content=content,
        version=int(d["version"]),
        created_by=d["created_by"],
        created_at=d["created_at"],
        updated_by=d["updated_by"],
        updated_at=d["updated_at"],
    )
