"""Tenant settings: DOMAIN.md's defaults, overrides merged in, every bad one named."""

from dataclasses import FrozenInstanceError
from datetime import timedelta

import pytest
from crm_runtime.errors import ValidationFailed
from lead.domain.settings import DuplicatePolicy, LeadSettings


def _fields(exc):
    return {v.field for v in exc.value.violations}


def test_defaults_are_the_figures_users_expect():
    s = LeadSettings()
    assert s.first_follow_up_sla == timedelta(hours=24)
    assert s.escalation == timedelta(hours=24)
    assert s.cadence == timedelta(days=3)
    assert s.recycle_after == timedelta(days=30)
    assert s.cooldown == timedelta(days=7)
    assert s.senior_score_threshold == 80
    assert s.warm_threshold < s.hot_threshold
    assert s.duplicate_policy is DuplicatePolicy.FLAG
    assert s.mask_pool_contacts is True
    assert s.claim_window == timedelta(hours=24) and s.claim_limit > 0
    assert s.holding > timedelta(0) and s.rep_capacity > 0


def test_no_overrides_means_the_defaults():
    assert LeadSettings.from_dict({}) == LeadSettings()


def test_overrides_replace_only_what_they_name():
    s = LeadSettings.from_dict(
        {"cooldown_days": 14, "duplicate_policy": "merge", "mask_pool_contacts": False}
    )
    assert s.cooldown == timedelta(days=14)
    assert s.duplicate_policy is DuplicatePolicy.MERGE
    assert s.mask_pool_contacts is False
    assert s.recycle_after_days == 30


def test_point_tables_are_overridden_key_by_key():
    s = LeadSettings.from_dict({"source_points": {"web": 25}, "completeness_points": {"email": 0}})
    assert s.source_points["web"] == 25
    assert s.source_points["referral"] == LeadSettings().source_points["referral"]
    assert s.completeness_points["email"] == 0
    assert s.completeness_points["phone"] == LeadSettings().completeness_points["phone"]


def test_every_bad_override_is_named_at_once():
    with pytest.raises(ValidationFailed) as err:
        LeadSettings.from_dict(
            {
                "sla_hourz": 24,
                "first_follow_up_hours": "24",
                "cadence_days": True,
                "cooldown_days": -1,
                "claim_limit": 2.5,
                "duplicate_policy": "ignore",
                "mask_pool_contacts": "yes",
                "source_points": {"fax": 10, "web": 500},
                "completeness_points": ["phone"],
            }
        )
    assert _fields(err) == {
        "sla_hourz",
        "first_follow_up_hours",
        "cadence_days",
        "cooldown_days",
        "claim_limit",
        "duplicate_policy",
        "mask_pool_contacts",
        "source_points.fax",
        "source_points.web",
        "completeness_points",
    }


def test_a_violation_says_which_rule_the_setting_breaks():
    with pytest.raises(ValidationFailed) as err:
        LeadSettings.from_dict({"recycle_after_days": 400})
    [violation] = err.value.violations
    assert violation.field == "recycle_after_days"
    assert violation.description == "must be between 1 and 365"


def test_warm_band_must_start_below_hot():
    with pytest.raises(ValidationFailed) as err:
        LeadSettings.from_dict({"warm_threshold": 70, "hot_threshold": 70})
    assert _fields(err) == {"warm_threshold"}


def test_recycling_must_come_after_the_cadence():
    with pytest.raises(ValidationFailed) as err:
        LeadSettings.from_dict({"cadence_days": 30, "recycle_after_days": 30})
    assert _fields(err) == {"recycle_after_days"}


def test_settings_cannot_be_changed_once_built():
    s = LeadSettings()
    with pytest.raises(FrozenInstanceError):
        s.cooldown_days = 1  # type: ignore[misc]
    with pytest.raises(TypeError):
        s.source_points["web"] = 99  # type: ignore[index]
