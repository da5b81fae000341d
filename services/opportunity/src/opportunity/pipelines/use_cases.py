"""Use cases of a tenant's opportunity configuration: pipelines (every change a new
version; one default pipeline, DOMAIN.md's when the tenant has none) and settings."""

from __future__ import annotations

from typing import Any

from crm_runtime.errors import NotFound
from crm_runtime.paging import page_limit
from crm_runtime.principal import Principal
from crm_runtime.storage.repository import SortKey

from opportunity.domain.pipeline import (
    Pipeline,
    PipelineDraft,
    create_pipeline,
    lose_default,
    revise_pipeline,
)
from opportunity.domain.settings import OpportunitySettings
from opportunity.listing import next_cursor
from opportunity.pipelines.documents import pipeline_to_doc
from opportunity.session import ServiceApp, Session, check_version


class PipelineApp(ServiceApp):
    def create(self, principal: Principal, draft: PipelineDraft) -> Pipeline:
        pipeline_id, now = self.new_id(), self.clock()

        def work(s: Session) -> Pipeline:
            pipeline = create_pipeline(
                draft,
                pipeline_id=pipeline_id,
                tenant_id=principal.tenant_id,
                by=principal.user_id,
                now=now,
            )
            if pipeline.is_default:
                self._only_default(s, pipeline, principal.user_id)
            s.config.add(pipeline)
            return pipeline

        return self._run(principal, work)

    def _only_default(self, s: Session, pipeline: Pipeline, by: str) -> None:
        for other in s.config.unset_other_defaults(pipeline.id):
            s.config.save(lose_default(other, by=by, now=self.clock()))

    def get(self, principal: Principal, pipeline_id: str, version: int = 0) -> Pipeline:
        def work(s: Session) -> Pipeline:
            found = (
                s.config.version(pipeline_id, version) if version else s.config.latest(pipeline_id)
            )
            if found is None:
                raise NotFound(
                    f"pipeline {pipeline_id}{f' version {version}' if version else ''} not found"
                )
            return found

        return self._run(principal, work)

    def page(
        self, principal: Principal, include_inactive: bool, limit: int, cursor: str
    ) -> tuple[list[Pipeline], str]:
        """The latest version of each pipeline, newest first; DOMAIN.md's default
        pipeline is made first when the tenant has none, so a tenant always sees one."""
        size, sort = page_limit(limit), SortKey("created_at", descending=True)
        after = sort.decode(cursor)

        def work(s: Session) -> tuple[list[Pipeline], str]:
            if after is None and s.config.count() == 0:
                s.config.default()
            found = s.config.page(include_inactive, size + 1, after)
            return found[:size], next_cursor(
                sort, found, size, lambda p: {**pipeline_to_doc(p), "_id": p.id}
            )

        return self._run(principal, work)

    def update(
        self, principal: Principal, pipeline_id: str, draft: PipelineDraft, expected_version: int
    ) -> Pipeline:
        """A new version; deals created under earlier versions keep theirs (ADR 0016)."""
        now = self.clock()

        def work(s: Session) -> Pipeline:
            current = s.config.latest(pipeline_id)
            if current is None:
                raise NotFound(f"pipeline {pipeline_id} not found")
            check_version("pipeline", pipeline_id, current.version, expected_version)
            revised = revise_pipeline(current, draft, by=principal.user_id, now=now)
            if revised.is_default and not current.is_default:
                self._only_default(s, revised, principal.user_id)
            s.config.save(revised)
            return revised

        return self._run(principal, work)

    def settings(self, principal: Principal) -> tuple[dict[str, Any], int]:
        """Every setting and the version of the set."""
        return self._run(principal, lambda s: (s.settings.as_dict(), s.config.settings_version()))

    def update_settings(
        self, principal: Principal, overrides: dict[str, Any], expected_version: int = 0
    ) -> tuple[dict[str, Any], int]:
        """The settings with `overrides` applied; with `expected_version`, only over that
        version (StaleVersion otherwise)."""

        def work(s: Session) -> tuple[dict[str, Any], int]:
            check_version(
                "the opportunity", "settings", s.config.settings_version(), expected_version
            )
            merged = {**s.config.overrides(), **overrides}
            settings = OpportunitySettings.from_dict(merged)  # names each bad setting
            s.config.save_overrides(merged)
            return settings.as_dict(), s.config.settings_version()

        return self._run(principal, work)
