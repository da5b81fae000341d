"""Pipelines and their stages as MongoDB documents and back (no I/O)."""

from __future__ import annotations

import uuid

from crm_runtime.storage.mongo import Doc

from opportunity.documents import money_from_doc, money_to_doc
from opportunity.domain.pipeline import Pipeline, Stage, StageKind

DEFAULT_NAMESPACE = uuid.UUID("8f5f3c2e-3b0c-4c1e-9a52-2f6a1c0d7e41")


def default_pipeline_id(tenant_id: str) -> str:
    """The id of a tenant's first default pipeline (the same in every process)."""
    return str(uuid.uuid5(DEFAULT_NAMESPACE, tenant_id))


def stage_to_doc(stage: Stage) -> Doc:
    return {
        "key": stage.key,
        "name": stage.name,
        "position": stage.position,
        "kind": stage.kind.value,
        "win_probability": stage.win_probability,
        "required_fields": list(stage.required_fields),
        "required_artefacts": list(stage.required_artefacts),
        "allow_skip": stage.allow_skip,
        "requires_approval": stage.requires_approval,
    }


def stage_from_doc(doc: Doc) -> Stage:
    return Stage(
        key=doc["key"],
        name=doc["name"],
        position=doc["position"],
        kind=StageKind(doc["kind"]),
        win_probability=doc["win_probability"],
        required_fields=tuple(doc.get("required_fields", ())),
        required_artefacts=tuple(doc.get("required_artefacts", ())),
        allow_skip=doc.get("allow_skip", False),
        requires_approval=doc.get("requires_approval", False),
    )


_PIPELINE_PLAIN = (
    "name",
    "version",
    "is_default",
    "active",
    "approver_role",
    "quote_discount_threshold_percent",
    "cadence_days",
    "created_by",
    "created_at",
    "updated_at",
)


def pipeline_to_doc(pipeline: Pipeline) -> Doc:
    """One version of a pipeline (the store keys versions by pipeline id and version)."""
    doc: Doc = {name: getattr(pipeline, name) for name in _PIPELINE_PLAIN}
    doc["pipeline_id"] = pipeline.id
    doc["stages"] = [stage_to_doc(s) for s in pipeline.stages]
    doc["approval_threshold"] = money_to_doc(pipeline.approval_threshold)
    return doc


def pipeline_from_doc(doc: Doc) -> Pipeline:
    plain = {name: doc[name] for name in _PIPELINE_PLAIN if name in doc}
    return Pipeline(
        id=doc["pipeline_id"],
        tenant_id=doc["tenant_id"],
        stages=tuple(stage_from_doc(s) for s in doc["stages"]),
        approval_threshold=money_from_doc(doc.get("approval_threshold")),
        **plain,
    )
