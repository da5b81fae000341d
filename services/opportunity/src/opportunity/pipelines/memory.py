"""A tenant's pipelines and settings in memory (opportunity.ports): a head document per
pipeline and one per version, as on the store."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from crm_runtime.storage.memory import MemoryTransaction, TenantTable
from crm_runtime.storage.repository import SortKey

from opportunity.domain.pipeline import Pipeline, default_pipeline
from opportunity.domain.settings import OpportunitySettings
from opportunity.indexes import PIPELINE_VERSIONS, PIPELINES, SETTINGS
from opportunity.pipelines.documents import (
    default_pipeline_id,
    pipeline_from_doc,
    pipeline_to_doc,
)
from opportunity.ports import Position

NEWEST = SortKey("created_at", descending=True)


class MemoryPipelines:
    def __init__(
        self, tx: MemoryTransaction, tenant_id: str, clock: Callable[[], datetime]
    ) -> None:
        self.tx = tx
        self.tenant_id = tenant_id
        self.clock = clock
        self.heads = TenantTable(tx, PIPELINES, tenant_id)
        self.versions = TenantTable(tx, PIPELINE_VERSIONS, tenant_id)
        self.settings_docs = TenantTable(tx, SETTINGS, tenant_id)

    def overrides(self) -> dict[str, Any]:
        doc = self.settings_docs.get(self.tenant_id)
        return dict(doc["overrides"]) if doc else {}

    def settings(self) -> OpportunitySettings:
        return OpportunitySettings.from_dict(self.overrides())

    def settings_version(self) -> int:
        doc = self.settings_docs.get(self.tenant_id)
        return int(doc.get("version", 1)) if doc else 1

    def save_overrides(self, overrides: dict[str, Any]) -> None:
        version = self.settings_version() + 1
        self.settings_docs.put({"_id": self.tenant_id, "overrides": overrides, "version": version})

    def add(self, pipeline: Pipeline) -> None:
        self.heads.insert({**pipeline_to_doc(pipeline), "_id": pipeline.id})
        self._add_version(pipeline)

    def _add_version(self, pipeline: Pipeline) -> None:
        doc = {**pipeline_to_doc(pipeline), "_id": f"{pipeline.id}:{pipeline.version}"}
        self.versions.insert(doc)
        self.tx.record(*pipeline.events)

    def save(self, pipeline: Pipeline) -> None:
        doc = {**pipeline_to_doc(pipeline), "_id": pipeline.id}
        self.heads.save_versioned(doc, pipeline.version - 1, f"pipeline {pipeline.id}")
        self._add_version(pipeline)

    def latest(self, pipeline_id: str) -> Pipeline | None:
        doc = self.heads.get(pipeline_id)
        return pipeline_from_doc(doc) if doc else None

    def version(self, pipeline_id: str, version: int) -> Pipeline | None:
        doc = self.versions.get(f"{pipeline_id}:{version}")
        return pipeline_from_doc(doc) if doc else None

    def default(self) -> Pipeline:
        found = self.heads.find({"is_default": True}, limit=1)
        if found:
            return pipeline_from_doc(found[0])
        pipeline_id = default_pipeline_id(self.tenant_id)
        if self.heads.get(pipeline_id) is None:
            made = default_pipeline(
                pipeline_id=pipeline_id, tenant_id=self.tenant_id, now=self.clock()
            )
            self.heads.insert({**pipeline_to_doc(made), "_id": pipeline_id})
            self.versions.insert({**pipeline_to_doc(made), "_id": f"{pipeline_id}:1"})
            self.tx.record(*made.events)
        doc = self.heads.get(pipeline_id)
        assert doc is not None
        return pipeline_from_doc(doc)

    def unset_other_defaults(self, keep_id: str) -> list[Pipeline]:
        docs = self.heads.find({"is_default": True, "_id": {"$ne": keep_id}})
        return [pipeline_from_doc(d) for d in docs]

    def page(self, include_inactive: bool, limit: int, after: Position) -> list[Pipeline]:
        query: dict[str, Any] = {} if include_inactive else {"active": True}
        return [pipeline_from_doc(d) for d in self.heads.page(query, NEWEST, limit, after)]

    def count(self) -> int:
        return len(self.heads.find({}))
