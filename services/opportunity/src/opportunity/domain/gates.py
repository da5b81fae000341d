"""Stage gates and skip rules: what a deal must have before it may enter a stage, and
which stages a forward move may jump over. Pure functions of the deal, its pipeline
version and the artefacts supplied with the move.

Gates add up along the way: a deal moving forward meets the gate of every stage it
passes, so "the signed requirements document before a quote" also holds for a deal
that jumps past the quote stage to contract signing."""

from __future__ import annotations

from collections.abc import Iterable

from crm_runtime.errors import FieldViolation

from opportunity.domain.opportunity import Opportunity
from opportunity.domain.pipeline import CUSTOM_PREFIX, Pipeline, Stage, StageKind


def has_field(opp: Opportunity, name: str) -> bool:
    if name.startswith(CUSTOM_PREFIX):
        key = name.removeprefix(CUSTOM_PREFIX)
        return any(f.key == key and f.value for f in opp.custom_fields)
    if name == "amount":
        return opp.amount is not None and opp.amount.amount > 0
    return bool(getattr(opp, name, None))


def gate_problems(
    opp: Opportunity, stage: Stage, supplied: Iterable[str] = ()
) -> list[FieldViolation]:
    """Each field the stage requires that the deal lacks, and each artefact kind it
    requires that the deal does not hold and the move does not supply."""
    kinds = opp.artefact_kinds() | set(supplied)
    found = [
        FieldViolation(name, f"is required to enter stage {stage.key}")
        for name in stage.required_fields
        if not has_field(opp, name)
    ]
    found += [
        FieldViolation(
            f"artefacts.{kind}", f"a {kind} artefact is required to enter stage {stage.key}"
        )
        for kind in stage.required_artefacts
        if kind not in kinds
    ]
    return found


def passed_stages(pipeline: Pipeline, current: Stage, target: Stage) -> tuple[Stage, ...]:
    """Open stages strictly between `current` and `target` on a forward move."""
    return tuple(s for s in pipeline.open_stages if current.position < s.position < target.position)


def move_problems(
    opp: Opportunity, pipeline: Pipeline, current: Stage, target: Stage, supplied: Iterable[str]
) -> list[FieldViolation]:
    """Every reason the move breaks the pipeline's rules: a stage jumped over that may
    not be skipped, and the gates of the stages passed and of the target."""
    supplied = set(supplied)
    if target.kind is not StageKind.OPEN or target.position < current.position:
        return gate_problems(opp, target, supplied)
    found = []
    skipped = passed_stages(pipeline, current, target)
    for stage in skipped:
        if not stage.allow_skip:
            found.append(
                FieldViolation(
                    "to_stage", f"stage {stage.key} may not be skipped: move to it first"
                )
            )
    for stage in (*skipped, target):
        found += [p for p in gate_problems(opp, stage, supplied) if p not in found]
    return found
