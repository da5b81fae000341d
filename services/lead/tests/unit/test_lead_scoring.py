"""Scoring: explainable (the reasons add up to the score), clamped, band changes only."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from crm_runtime.messaging.schema import payload_message
from lead.domain.lead import LeadDraft, create_lead
from lead.domain.scoring import Band, Engagement, affects_score, apply_score, band_for, score_lead
from lead.domain.settings import LeadSettings

NOW = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
SETTINGS = LeadSettings()


def _lead(**fields):
    draft = {"name": "张伟", "source": "web", **fields}
    lead = create_lead(
        LeadDraft(**draft),
        lead_id="l1",
        tenant_id="t1",
        created_by="u1",
        now=NOW,
    )
    lead.events.clear()
    return lead


def _rules(score):
    return {reason.rule: reason.points for reason in score.reasons}


def test_the_reasons_add_up_to_the_score():
    lead = _lead(phone="13800138000", company="上海云图科技", region="上海")
    score = score_lead(lead, SETTINGS, Engagement(follow_ups=1))
    assert _rules(score) == {
        "source.web": 20,
        "completeness.phone": 10,
        "completeness.company": 10,
        "completeness.region": 5,
        "engagement.follow_ups": 5,
    }
    assert sum(r.points for r in score.reasons) == score.points == 50
    assert all(r.explanation for r in score.reasons)


def test_a_score_above_100_is_capped_and_the_cap_is_a_reason():
    lead = _lead(
        source="referral",
        phone="13800138000",
        email="zhang@example.cn",
        company="上海云图科技",
        region="上海",
        industry="制造业",
        product_line="ERP",
    )
    score = score_lead(lead, SETTINGS, Engagement(follow_ups=9, replies=9))
    assert score.points == 100
    assert score.reasons[-1].rule == "cap" and score.reasons[-1].points == -10
    assert sum(r.points for r in score.reasons) == 100


def test_a_negative_total_is_floored_at_zero_and_explained():
    settings = LeadSettings.from_dict({"source_points": {"import": -50}})
    score = score_lead(_lead(source="import", phone="13800138000"), settings)
    assert score.points == 0
    assert _rules(score)["cap"] == 40
    assert sum(r.points for r in score.reasons) == 0


def test_engagement_counts_up_to_its_cap():
    two = score_lead(_lead(), SETTINGS, Engagement(follow_ups=2, replies=1))
    many = score_lead(_lead(), SETTINGS, Engagement(follow_ups=10, replies=10))
    assert _rules(two)["engagement.follow_ups"] == 10
    assert _rules(two)["engagement.replies"] == 10
    assert _rules(many)["engagement.follow_ups"] == 15
    assert _rules(many)["engagement.replies"] == 20


def test_weights_are_the_tenants():
    settings = LeadSettings.from_dict({"source_points": {"web": 35}})
    assert _rules(score_lead(_lead(), settings)) == {"source.web": 35}


def test_a_rule_weighted_zero_is_not_a_reason():
    settings = LeadSettings.from_dict({"completeness_points": {"phone": 0}})
    assert "completeness.phone" not in _rules(score_lead(_lead(phone="13800138000"), settings))


@pytest.mark.parametrize(
    ("points", "band"),
    [(0, Band.COLD), (39, Band.COLD), (40, Band.WARM), (69, Band.WARM), (70, Band.HOT)],
)
def test_bands_follow_the_default_thresholds(points, band):
    assert band_for(points, SETTINGS) is band


def test_bands_follow_the_tenants_thresholds():
    settings = LeadSettings.from_dict({"hot_threshold": 90, "warm_threshold": 60})
    assert band_for(85, settings) is Band.WARM
    assert band_for(59, settings) is Band.COLD


def test_the_first_score_is_a_band_change():
    lead = _lead()
    scored = apply_score(lead, score_lead(lead, SETTINGS), now=NOW)
    [event] = scored.events
    assert event.event_type == "LeadScored"
    assert event.payload == {"lead_id": "l1", "score": 20, "band": "cold", "previous_band": ""}
    payload_message(event.event_type, event.payload)
    assert (scored.score, scored.score_band) == (20, "cold")
    assert lead.score_band == "" and not lead.events


def test_a_new_score_in_the_same_band_records_no_event():
    lead = apply_score(_lead(), score_lead(_lead(), SETTINGS), now=NOW)
    lead.events.clear()
    richer = replace(lead, phone="+8613800138000")
    later = NOW + timedelta(hours=1)
    rescored = apply_score(richer, score_lead(richer, SETTINGS), now=later)
    assert rescored.score == 30 and rescored.score_band == "cold"
    assert rescored.events == [] and rescored.updated_at == later


def test_an_unchanged_score_changes_nothing():
    lead = apply_score(_lead(), score_lead(_lead(), SETTINGS), now=NOW)
    assert apply_score(lead, score_lead(lead, SETTINGS), now=NOW) is lead


def test_crossing_a_threshold_records_the_band_change():
    lead = apply_score(_lead(), score_lead(_lead(), SETTINGS), now=NOW)
    lead.events.clear()
    score = score_lead(lead, SETTINGS, Engagement(follow_ups=3, replies=1))
    rescored = apply_score(lead, score, now=NOW)
    [event] = rescored.events
    assert event.payload["band"] == "warm" and event.payload["previous_band"] == "cold"
    assert event.aggregate_version == lead.version + 1
    assert rescored.score_reasons == score.reasons


def test_only_changes_to_scored_fields_call_for_rescoring():
    assert affects_score(["phone", "notes"])
    assert affects_score(["source"])
    assert not affects_score(["notes", "tags"])
