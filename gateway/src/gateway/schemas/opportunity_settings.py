"""A tenant's opportunity settings, answered whole (defaults included) and changed a few
at a time. The bounds are the opportunity service's (opportunity.domain.settings)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from gateway.conventions.bodies import RequestBody
from gateway.schemas.values import AMOUNT, UNCHANGED

Threshold = Annotated[
    str,
    Field(
        pattern=AMOUNT,
        max_length=25,
        description='deals from this amount need approval to change stage; a decimal string, e.g. "500000"',
    ),
]
Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$", description="ISO 4217, of the threshold")]
Role = Annotated[
    str,
    Field(
        pattern=r"^[a-z][a-z_]{0,63}$",
        max_length=64,
        description="who approves, e.g. sales_director",
    ),
]
Cadence = Annotated[int, Field(ge=1, le=90, description="days between follow-ups of an open deal")]
Dormant = Annotated[
    int, Field(ge=1, le=730, description="days without activity before an account is dormant")
]


class OpportunitySettings(BaseModel):
    """The tenant's opportunity settings; a pipeline may set its own threshold, approver
    and cadence."""

    approval_threshold: Threshold
    approval_currency: Currency
    approver_role: Role
    cadence_days: Cadence
    dormant_after_days: Dormant


class OpportunitySettingsPatch(RequestBody):
    """Only the settings to change."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"approval_threshold": "800000", "cadence_days": 3, "dormant_after_days": 45}
            ]
        }
    )
    approval_threshold: Threshold = UNCHANGED
    approval_currency: Currency = UNCHANGED
    approver_role: Role = UNCHANGED
    cadence_days: Cadence = UNCHANGED
    dormant_after_days: Dormant = UNCHANGED
