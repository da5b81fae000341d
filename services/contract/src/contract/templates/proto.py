"""crm.contract.v1 templates <-> the template domain."""

from __future__ import annotations

from dataclasses import replace

from crm.contract.v1 import contract_pb2 as pb
from crm_runtime.errors import FieldViolation, ValidationFailed
from crm_runtime.rpc.protojson import timestamp

from contract.templates.domain import Clause, MergeField, Template, TemplateContent

MASKABLE = ("name", "kind", "placeholders", "clauses", "active")


def content_from_proto(msg: pb.ContractTemplateInput) -> TemplateContent:
    return TemplateContent(
        name=msg.name,
        code=msg.code,
        kind=msg.kind,
        fields=tuple(
            MergeField(p.key, p.label, p.type, p.source or "manual", p.required, p.default_value)
            for p in msg.placeholders
        ),
        clauses=tuple(Clause(c.key, c.title, c.text, c.standard) for c in msg.clauses),
        active=msg.active,
    )


def changed_by_mask(msg: pb.ContractTemplateInput, mask: list[str]):  # type: ignore[no-untyped-def]
    unknown = [m for m in mask if m not in MASKABLE]
    if unknown:
        raise ValidationFailed([FieldViolation("update_mask", f"{unknown[0]} cannot be changed")])
    given = content_from_proto(msg)

    def change(current: TemplateContent) -> TemplateContent:
        if not mask:
            return replace(given, code=current.code)
        out = current
        for name in mask:
            attr = "fields" if name == "placeholders" else name
            out = replace(out, **{attr: getattr(given, attr)})
        return out

    return change


def template_to_proto(t: Template) -> pb.ContractTemplate:
    c = t.content
    return pb.ContractTemplate(
        id=t.id,
        tenant_id=t.tenant_id,
        name=c.name,
        code=c.code,
        kind=c.kind,
        placeholders=[
            pb.Placeholder(
                key=f.key,
                label=f.label,
                source=f.source,
                required=f.required,
                default_value=f.default_value,
                type=f.type,
            )
            for f in c.fields
        ],
        clauses=[
            pb.Clause(key=x.key, title=x.title, text=x.text, standard=x.standard) for x in c.clauses
        ],
        active=c.active,
        created_at=timestamp(t.created_at),
        updated_at=timestamp(t.updated_at),
        version=t.version,
        created_by=t.created_by,
        updated_by=t.updated_by,
    )
