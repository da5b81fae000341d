"""A tenant's pipelines and opportunity settings on MongoDB.

Each pipeline is a head document (its latest version, for lists and the version check)
and one immutable document per version, which deals read by (pipeline id, version).
A tenant without pipelines gets DOMAIN.md's default one, made inside the transaction
that first needs it under an id derived from the tenant, so two first uses at once
conflict and the later one finds it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from crm_runtime.storage.mongo import Transaction
from crm_runtime.storage.repository import (
    SortKey,
    index_name,
    page_docs,
    save_versioned,
    stored_version,
)

from opportunity.domain.pipeline import Pipeline, default_pipeline
from opportunity.domain.settings import OpportunitySettings
from opportunity.indexes import PIPELINE_VERSIONS, PIPELINES, SETTINGS
from opportunity.pipelines.documents import default_pipeline_id, pipeline_from_doc, pipeline_to_doc


class PipelineConfig:
    """One tenant's pipelines and settings inside one transaction."""

    def __init__(self, tx: Transaction, tenant_id: str, clock: Callable[[], datetime]) -> None:
        self.tx = tx
        self.tenant_id = tenant_id
        self.clock = clock
        self.heads = tx.collection(PIPELINES, tenant_id)
        self.versions = tx.collection(PIPELINE_VERSIONS, tenant_id)
        self.settings_docs = tx.collection(SETTINGS, tenant_id)
        self._versions: dict[tuple[str, int], Pipeline] = {}

    # Settings ------------------------------------------------------------------------

    def overrides(self) -> dict[str, Any]:
        doc = self.settings_docs.find_one({"_id": self.tenant_id})
        return dict(doc["overrides"]) if doc else {}

    def settings(self) -> OpportunitySettings:
        return OpportunitySettings.from_dict(self.overrides())

    def settings_version(self) -> int:
        return stored_version(self.settings_docs.find_one({"_id": self.tenant_id}))

    def save_overrides(self, overrides: dict[str, Any]) -> None:
        version = self.settings_version() + 1
        self.settings_docs.update_one(
            {"_id": self.tenant_id},
            {"$set": {"overrides": overrides, "version": version}},
            upsert=True,
        )

    # Pipelines -----------------------------------------------------------------------

    def add(self, pipeline: Pipeline) -> None:
        self.heads.insert_one({**pipeline_to_doc(pipeline), "_id": pipeline.id})
        self._add_version(pipeline)

    def _add_version(self, pipeline: Pipeline) -> None:
        self.versions.insert_one(
            {**pipeline_to_doc(pipeline), "_id": f"{pipeline.id}:{pipeline.version}"}
        )
        self.tx.record(*pipeline.events)

    def save(self, pipeline: Pipeline) -> None:
        """The pipeline's next version, if nobody made one since the caller read it."""
        doc = {**pipeline_to_doc(pipeline), "_id": pipeline.id}
        save_versioned(self.heads, doc, pipeline.version - 1, f"pipeline {pipeline.id}")
        self._add_version(pipeline)

    def latest(self, pipeline_id: str) -> Pipeline | None:
        doc = self.heads.find_one({"_id": pipeline_id})
        return pipeline_from_doc(doc) if doc else None

    def version(self, pipeline_id: str, version: int) -> Pipeline | None:
        key = (pipeline_id, version)
        if key not in self._versions:
            doc = self.versions.find_one({"pipeline_id": pipeline_id, "version": version})
            if doc is None:
                return None
            self._versions[key] = pipeline_from_doc(doc)
        return self._versions[key]

    def default(self) -> Pipeline:
        """The tenant's default pipeline; DOMAIN.md's, made now, when it has none."""
        doc = self.heads.find_one({"is_default": True})
        if doc is not None:
            return pipeline_from_doc(doc)
        pipeline_id = default_pipeline_id(self.tenant_id)
        made = default_pipeline(pipeline_id=pipeline_id, tenant_id=self.tenant_id, now=self.clock())
        doc = pipeline_to_doc(made)
        if self.heads.update_one({"_id": pipeline_id}, {"$setOnInsert": doc}, upsert=True):
            self.versions.update_one(
                {"_id": f"{pipeline_id}:1"}, {"$setOnInsert": doc}, upsert=True
            )
            self.tx.record(*made.events)
        found = self.heads.find_one({"_id": pipeline_id})
        assert found is not None
        return pipeline_from_doc(found)

    def unset_other_defaults(self, keep_id: str) -> list[Pipeline]:
        """The pipelines that were default besides `keep_id`, no longer default (each as
        a new version, so that a deal's version still says what it was created under)."""
        return [
            pipeline_from_doc(d)
            for d in self.heads.find({"is_default": True, "_id": {"$ne": keep_id}})
        ]

    def page(
        self, include_inactive: bool, limit: int, after: tuple[Any, str] | None
    ) -> list[Pipeline]:
        query: dict[str, Any] = {} if include_inactive else {"active": True}
        sort = SortKey("created_at", descending=True)
        hint = index_name(("tenant_id", 1), *sort.index_spec)
        return [
            pipeline_from_doc(d) for d in page_docs(self.heads, query, sort, limit, after, hint)
        ]

    def count(self) -> int:
        return self.heads.count({})
