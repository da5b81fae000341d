"""A tenant's lead settings: every figure the lead rules use, answered whole (defaults
included) and changed a few at a time. The bounds are the lead service's
(lead.domain.settings); what spans two settings (warm below hot, recycling after the
cadence) is checked there and named in the 422."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from gateway.conventions.bodies import RequestBody
from gateway.schemas.leads import Source
from gateway.schemas.values import UNCHANGED


def _whole(low: int, high: int, description: str) -> Any:
    return Field(ge=low, le=high, description=description)


Hours = Annotated[int, _whole(1, 720, "hours, 1 to 720")]
Days = Annotated[int, _whole(1, 365, "days, 1 to 365")]
Score = Annotated[int, _whole(0, 100, "0 to 100")]
Points = Annotated[int, Field(ge=-100, le=100)]
CompletenessField = Literal["phone", "email", "company", "region", "industry", "product_line"]
Policy = Literal["reject", "flag", "merge"]

PATCH_EXAMPLE: dict[str, Any] = {
    "recycle_after_days": 45,
    "duplicate_policy": "merge",
    "source_points": {"web": 25},
}


class LeadSettings(BaseModel):
    """Every lead setting of the tenant, defaults included."""

    first_follow_up_hours: Hours = Field(description="a new lead's first follow-up is due")
    escalation_hours: Hours = Field(description="the manager is warned this long after")
    cadence_days: Annotated[int, _whole(1, 90, "days, 1 to 90")] = Field(
        description="between follow-ups of a lead in progress"
    )
    recycle_after_days: Days = Field(description="without follow-up: back to the pool")
    cooldown_days: Annotated[int, _whole(0, 365, "days, 0 to 365")] = Field(
        description="before the rep who lost a lead may claim it again"
    )
    holding_days: Annotated[int, _whole(0, 365, "days, 0 to 365")]
    claim_limit: Annotated[int, _whole(0, 10_000, "0 to 10000")] = Field(
        description="claims per rep per claim window"
    )
    claim_window_hours: Annotated[int, _whole(1, 744, "hours, 1 to 744")]
    mask_pool_contacts: bool
    rep_capacity: Annotated[int, _whole(1, 100_000, "open leads per rep")]
    senior_score_threshold: Score
    hot_threshold: Annotated[int, _whole(1, 100, "1 to 100; above warm_threshold")]
    warm_threshold: Annotated[int, _whole(0, 99, "0 to 99; below hot_threshold")]
    source_points: dict[Source, Points] = Field(description="score points by source")
    completeness_points: dict[CompletenessField, Points] = Field(
        description="score points for each field given"
    )
    follow_up_points: Score
    follow_up_points_cap: Score
    reply_points: Score
    reply_points_cap: Score
    duplicate_policy: Policy = Field(description="what capture does with a probable duplicate")


class LeadSettingsPatch(RequestBody):
    """Only the settings to change; point tables change key by key."""

    model_config = ConfigDict(json_schema_extra={"examples": [PATCH_EXAMPLE]})
    first_follow_up_hours: Hours = UNCHANGED
    escalation_hours: Hours = UNCHANGED
    cadence_days: Annotated[int, _whole(1, 90, "days, 1 to 90")] = UNCHANGED
    recycle_after_days: Days = UNCHANGED
    cooldown_days: Annotated[int, _whole(0, 365, "days, 0 to 365")] = UNCHANGED
    holding_days: Annotated[int, _whole(0, 365, "days, 0 to 365")] = UNCHANGED
    claim_limit: Annotated[int, _whole(0, 10_000, "0 to 10000")] = UNCHANGED
    claim_window_hours: Annotated[int, _whole(1, 744, "hours, 1 to 744")] = UNCHANGED
    mask_pool_contacts: bool = UNCHANGED
    rep_capacity: Annotated[int, _whole(1, 100_000, "open leads per rep")] = UNCHANGED
    senior_score_threshold: Score = UNCHANGED
    hot_threshold: Annotated[int, _whole(1, 100, "1 to 100")] = UNCHANGED
    warm_threshold: Annotated[int, _whole(0, 99, "0 to 99")] = UNCHANGED
    source_points: dict[Source, Points] = UNCHANGED
    completeness_points: dict[CompletenessField, Points] = UNCHANGED
    follow_up_points: Score = UNCHANGED
    follow_up_points_cap: Score = UNCHANGED
    reply_points: Score = UNCHANGED
    reply_points_cap: Score = UNCHANGED
    duplicate_policy: Policy = UNCHANGED
