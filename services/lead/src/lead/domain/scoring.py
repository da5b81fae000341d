"""Lead scoring: 0-100 from the tenant's rules, always with the reasons that made it.

A manager must be able to see why a lead is hot without reading code, so a score is
never a bare number: each rule that contributed says how much, and the reasons add up
to the score exactly (when the raw total leaves 0-100, a last "cap" reason says by how
much it was cut). Rescoring is cheap and pure, so the app rescores on every change that
`affects_score`; only a change of band is news to anyone else (LeadScored).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from lead.domain.lead import Lead, ScoreReason, revise
from lead.domain.settings import COMPLETENESS_FIELDS, LeadSettings

MIN_SCORE, MAX_SCORE = 0, 100
SCORED_FIELDS = frozenset({"source", *COMPLETENESS_FIELDS})

_LABELS = {
    "phone": "a phone number",
    "email": "an email address",
    "company": "a company",
    "region": "a region",
    "industry": "an industry",
    "product_line": "a product line",
}


class Band(StrEnum):
    HOT = "hot"
    WARM = "warm"
    COLD = "cold"


@dataclass(frozen=True)
class Engagement:
    """What the store counts for a lead: follow-ups logged and replies from the prospect."""

    follow_ups: int = 0
    replies: int = 0


@dataclass(frozen=True)
class Score:
    points: int
    band: Band
    reasons: tuple[ScoreReason, ...]


def affects_score(changed_fields: Iterable[str]) -> bool:
    """Whether a change to these lead fields calls for rescoring."""
    return not SCORED_FIELDS.isdisjoint(changed_fields)


def band_for(points: int, settings: LeadSettings) -> Band:
    if points >= settings.hot_threshold:
        return Band.HOT
    if points >= settings.warm_threshold:
        return Band.WARM
    return Band.COLD


def _engagement(rule: str, count: int, each: int, cap: int, noun: str) -> list[ScoreReason]:
    if count <= 0 or each == 0:
        return []
    points = min(count * each, cap)
    plural = "" if count == 1 else "s"
    return [ScoreReason(rule, points, f"{count} {noun}{plural} × {each}, at most {cap}")]


def score_lead(lead: Lead, settings: LeadSettings, engagement: Engagement | None = None) -> Score:
    """The lead's score under the tenant's weights, with every contributing reason."""
    engagement = engagement or Engagement()
    reasons: list[ScoreReason] = []
    source_points = settings.source_points.get(lead.source, 0)
    if source_points:
        reasons.append(
            ScoreReason(f"source.{lead.source}", source_points, f"came in through {lead.source}")
        )
    present = {
        "phone": lead.phone,
        "email": lead.email,
        "company": lead.company,
        "region": lead.region,
        "industry": lead.industry,
        "product_line": lead.product_line,
    }
    for name in COMPLETENESS_FIELDS:
        points = settings.completeness_points.get(name, 0)
        if points and present[name]:
            reasons.append(ScoreReason(f"completeness.{name}", points, f"has {_LABELS[name]}"))
    reasons += _engagement(
        "engagement.follow_ups",
        engagement.follow_ups,
        settings.follow_up_points,
        settings.follow_up_points_cap,
        "follow-up",
    )
    reasons += _engagement(
        "engagement.replies",
        engagement.replies,
        settings.reply_points,
        settings.reply_points_cap,
        "reply",
    )
    raw = sum(reason.points for reason in reasons)
    points = min(max(raw, MIN_SCORE), MAX_SCORE)
    if points != raw:
        reasons.append(ScoreReason("cap", points - raw, f"{raw} points capped to {points}"))
    return Score(points, band_for(points, settings), tuple(reasons))


def apply_score(lead: Lead, score: Score, *, now: datetime) -> Lead:
    """The lead carrying `score`; LeadScored is recorded only when the band changes."""
    if (lead.score, lead.score_band, lead.score_reasons) == (
        score.points,
        score.band.value,
        score.reasons,
    ):
        return lead
    events = []
    if lead.score_band != score.band.value:
        payload = {
            "lead_id": lead.id,
            "score": score.points,
            "band": score.band.value,
            "previous_band": lead.score_band,
        }
        events.append(("LeadScored", payload))
    return revise(
        lead,
        now,
        events,
        score=score.points,
        score_band=score.band.value,
        score_reasons=score.reasons,
    )
