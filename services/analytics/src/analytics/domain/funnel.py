"""The funnel of one pipeline over a cohort of deals: count and amount per open stage,
how many deals reached each stage and went on to the next, dwell time per stage, and
why deals were lost. Pure Python."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from analytics.domain.deals import LOST, OPEN, WON, Deal
from analytics.domain.pipelines import Pipeline
from analytics.domain.stats import DAY_SECONDS, Spread, ratio, spread


@dataclass(frozen=True)
class StageFigures:
    stage: str
    name: str
    open_count: int  # deals in the stage now
    open_amount: Decimal
    reached: int  # deals that entered the stage or went past it
    conversion_to_next: float  # share of `reached` that reached the next stage (or won)
    dwell_days: Spread  # completed stays in the stage


@dataclass(frozen=True)
class Breakdown:
    key: str
    count: int
    amount: Decimal


@dataclass(frozen=True)
class Funnel:
    pipeline_id: str
    stages: list[StageFigures]
    won_count: int
    won_amount: Decimal
    lost_count: int
    lost_amount: Decimal
    loss_reasons: list[Breakdown]
    competitors: list[Breakdown]


def furthest(deal: Deal, positions: dict[str, int], open_count: int) -> int:
    """Index of the furthest open stage the deal reached (every one when won; -1 for
    none the pipeline knows)."""
    if deal.status == WON:
        return open_count
    return max((positions[s] for s in deal.entered if s in positions), default=-1)


def _breakdown(deals: Iterable[Deal], key: str) -> list[Breakdown]:
    counts: dict[str, int] = defaultdict(int)
    amounts: dict[str, Decimal] = defaultdict(Decimal)
    for d in deals:
        k = getattr(d, key) or "(none)"
        counts[k] += 1
        amounts[k] += d.amount
    return sorted(
        (Breakdown(k, counts[k], amounts[k]) for k in counts),
        key=lambda b: (-b.count, b.key),
    )


def funnel(pipeline: Pipeline, deals: Sequence[Deal]) -> Funnel:
    """The funnel of `deals` (one pipeline's, in one currency) along `pipeline`."""
    stages = pipeline.open_stages
    positions = {s.key: i for i, s in enumerate(stages)}
    reach = [furthest(d, positions, len(stages)) for d in deals]
    reached = [sum(1 for r in reach if r >= i) for i in range(len(stages) + 1)]
    figures = []
    for i, stage in enumerate(stages):
        current = [d for d in deals if d.status == OPEN and d.stage == stage.key]
        stays = [w.seconds / DAY_SECONDS for d in deals for w in d.dwells if w.stage == stage.key]
        figures.append(
            StageFigures(
                stage=stage.key,
                name=stage.name,
                open_count=len(current),
                open_amount=sum((d.amount for d in current), Decimal(0)),
                reached=reached[i],
                conversion_to_next=ratio(reached[i + 1], reached[i]),
                dwell_days=spread(stays),
            )
        )
    won = [d for d in deals if d.status == WON]
    lost = [d for d in deals if d.status == LOST]
    return Funnel(
        pipeline_id=pipeline.pipeline_id,
        stages=figures,
        won_count=len(won),
        won_amount=sum((d.amount for d in won), Decimal(0)),
        lost_count=len(lost),
        lost_amount=sum((d.amount for d in lost), Decimal(0)),
        loss_reasons=_breakdown(lost, "loss_reason"),
        competitors=_breakdown(lost, "competitor"),
    )
