"""A pipeline's stage order, from PipelineVersionCreated: the highest version wins, so
versions arriving out of order leave the newest in place. Pure Python."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

PIPELINE_EVENTS = ("PipelineVersionCreated",)


@dataclass(frozen=True)
class Stage:
    key: str
    name: str
    position: int
    kind: str  # open, won, lost


@dataclass(frozen=True)
class Pipeline:
    pipeline_id: str
    version: int
    is_default: bool
    stages: tuple[Stage, ...]  # by position

    @property
    def open_stages(self) -> tuple[Stage, ...]:
        return tuple(s for s in self.stages if s.kind == "open")


def apply(pipeline: Pipeline | None, envelope: dict[str, Any]) -> Pipeline:
    payload: dict[str, Any] = envelope.get("payload") or {}
    version = int(payload.get("version") or 0)
    if pipeline is not None and pipeline.version >= version:
        return pipeline
    stages = sorted(
        (
            Stage(
                s.get("key", ""),
                s.get("name", ""),
                int(s.get("position") or 0),
                s.get("kind", "open") or "open",
            )
            for s in payload.get("stages") or []
        ),
        key=lambda s: (s.position, s.key),
    )
    return Pipeline(payload["pipeline_id"], version, bool(payload.get("is_default")), tuple(stages))
