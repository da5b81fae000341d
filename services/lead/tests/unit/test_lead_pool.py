"""Public pool: release with a reason, claim limits, cool-down, holding, masked contacts."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from crm_runtime.errors import FailedPrecondition, ValidationFailed
from crm_runtime.messaging.schema import payload_message
from lead.domain.lead import LeadDraft, LeadStatus, create_lead
from lead.domain.pool import (
    claim,
    claim_window_start,
    cooldown_until,
    held_until,
    in_pool,
    mask_email,
    mask_phone,
    pool_view,
    release_to_pool,
)
from lead.domain.settings import LeadSettings

NOW = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
SETTINGS = LeadSettings()
DAY = timedelta(days=1)


def _lead(**fields):
    lead = create_lead(
        LeadDraft(name="张伟", source="web", phone="13800138000", email="Zhang.Wei@example.cn"),
        lead_id="l1",
        tenant_id="t1",
        created_by="ann",
        now=NOW,
    )
    lead.events.clear()
    return replace(lead, **{"owner_id": "ann", **fields})


def _claim(lead, rep="bob", at=NOW, claims=0, open_leads=0, settings=SETTINGS):
    return claim(
        lead,
        rep_id=rep,
        team_id="team-" + rep,
        claims_in_window=claims,
        open_leads=open_leads,
        now=at,
        settings=settings,
    )


def _pooled(rep="ann", at=NOW):
    owned = _lead(owner_id=rep, status=LeadStatus.ASSIGNED)
    released = release_to_pool(owned, reason="not my region", now=at, settings=SETTINGS)
    released.events.clear()
    return released


def test_releasing_records_the_reason_and_empties_the_owner():
    lead = release_to_pool(
        _lead(status=LeadStatus.ASSIGNED), reason="wrong region", now=NOW, settings=SETTINGS
    )
    assert in_pool(lead) and lead.owner_team_id == ""
    assert lead.status is LeadStatus.NEW
    assert (lead.assignment_rule, lead.assignment_reason) == ("pool", "wrong region")
    recycled = next(e for e in lead.events if e.event_type == "LeadRecycled")
    assert recycled.payload == {
        "lead_id": "l1",
        "previous_owner_id": "ann",
        "reason": "wrong region",
    }
    for event in lead.events:
        payload_message(event.event_type, event.payload)


def test_a_contacted_lead_stays_contacted_in_the_pool():
    lead = _lead(status=LeadStatus.CONTACTED)
    assert (
        release_to_pool(lead, reason="r", now=NOW, settings=SETTINGS).status is LeadStatus.CONTACTED
    )


def test_releasing_needs_a_reason():
    with pytest.raises(ValidationFailed) as err:
        release_to_pool(_lead(), reason=" ", now=NOW, settings=SETTINGS)
    assert [v.field for v in err.value.violations] == ["reason"]


def test_a_pool_lead_or_a_finished_one_cannot_be_released():
    with pytest.raises(FailedPrecondition, match="already in the public pool"):
        release_to_pool(_pooled(), reason="r", now=NOW, settings=SETTINGS)
    with pytest.raises(FailedPrecondition, match="it is converted"):
        release_to_pool(_lead(status=LeadStatus.CONVERTED), reason="r", now=NOW, settings=SETTINGS)


def test_a_claim_makes_the_rep_owner_and_records_it():
    lead = _claim(_pooled(), rep="bob", at=NOW + DAY)
    assert lead.owner_id == "bob" and lead.owner_team_id == "team-bob"
    assert lead.status is LeadStatus.ASSIGNED and lead.assignment_rule == "claim"
    assert lead.owned_since == NOW + DAY
    claimed = next(e for e in lead.events if e.event_type == "LeadClaimed")
    assert claimed.payload == {"lead_id": "l1", "owner_id": "bob", "team_id": "team-bob"}
    for event in lead.events:
        payload_message(event.event_type, event.payload)


def test_claiming_an_owned_lead_is_refused_and_reclaiming_ones_own_is_harmless():
    owned = _claim(_pooled())
    with pytest.raises(FailedPrecondition, match="not in the public pool"):
        _claim(owned, rep="cat")
    assert _claim(owned, rep="bob") is owned


def test_a_finished_lead_in_the_pool_cannot_be_claimed():
    with pytest.raises(FailedPrecondition, match="it is disqualified"):
        _claim(replace(_pooled(), status=LeadStatus.DISQUALIFIED))


def test_a_rep_who_let_a_lead_fall_back_waits_out_the_cool_down():
    lead = _pooled(rep="ann", at=NOW)
    assert cooldown_until(lead, "ann", SETTINGS) == NOW + 7 * DAY
    with pytest.raises(FailedPrecondition, match=r"claim it again from 2026-12-01T08:00:00\.000Z"):
        _claim(lead, rep="ann", at=NOW + 7 * DAY - timedelta(seconds=1))
    assert _claim(lead, rep="ann", at=NOW + 7 * DAY).owner_id == "ann"


def test_the_cool_down_binds_only_the_rep_who_let_go():
    assert cooldown_until(_pooled(rep="ann"), "bob", SETTINGS) is None
    assert _claim(_pooled(rep="ann"), rep="bob", at=NOW).owner_id == "bob"


def test_the_cool_down_survives_a_colleague_holding_the_lead_in_between():
    lead = _pooled(rep="ann", at=NOW)
    lead = _claim(lead, rep="bob", at=NOW + DAY)
    lead = release_to_pool(lead, reason="r", now=NOW + 2 * DAY, settings=SETTINGS)
    with pytest.raises(FailedPrecondition, match="fell back to the pool from you"):
        _claim(lead, rep="ann", at=NOW + 3 * DAY)


def test_the_cool_down_is_the_tenants():
    settings = LeadSettings.from_dict({"cooldown_days": 0})
    assert _claim(_pooled(rep="ann"), rep="ann", settings=settings).owner_id == "ann"


def test_a_rep_claims_no_more_than_the_limit_per_window():
    assert claim_window_start(NOW, SETTINGS) == NOW - timedelta(hours=24)
    assert _claim(_pooled(), claims=19).owner_id == "bob"
    with pytest.raises(FailedPrecondition, match="claim limit reached: 20 of 20"):
        _claim(_pooled(), claims=20)


def test_a_full_rep_cannot_claim():
    with pytest.raises(FailedPrecondition, match="already hold 100 open leads"):
        _claim(_pooled(), open_leads=100)


def test_a_claimed_lead_is_held_for_the_holding_period():
    lead = _claim(_pooled(), at=NOW)
    assert held_until(lead, SETTINGS) == NOW + SETTINGS.holding
    assert held_until(_lead(assignment_rule="manual", owned_since=NOW), SETTINGS) is None


def test_pool_leads_show_masked_contact_details_until_claimed():
    pooled = _pooled()
    shown = pool_view(pooled, SETTINGS)
    assert (shown.phone, shown.email) == ("+86138****8000", "z***@example.cn")
    assert (pooled.phone, pooled.email) == ("+8613800138000", "zhang.wei@example.cn")
    claimed = _claim(pooled)
    assert pool_view(claimed, SETTINGS) is claimed
    unmasked = LeadSettings.from_dict({"mask_pool_contacts": False})
    assert pool_view(pooled, unmasked) is pooled


@pytest.mark.parametrize(
    ("raw", "masked"),
    [("+8613800138000", "+86138****8000"), ("+85261234567", "+852****4567"), ("+1234", "***34")],
)
def test_masked_phones_keep_only_what_identifies_them(raw, masked):
    assert mask_phone(raw) == masked


def test_masked_email_keeps_the_first_letter_and_domain():
    assert mask_email("zhang.wei@example.cn") == "z***@example.cn"
