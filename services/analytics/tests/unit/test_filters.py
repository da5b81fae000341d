from datetime import date

import pytest
from analytics.domain.filters import Period, Scope, group_by, period
from crm_runtime.errors import ValidationFailed

TODAY = date(2026, 11, 24)
NAMES = ("closed_from", "closed_to")


@pytest.mark.parametrize(
    ("raw_from", "raw_to", "field"),
    [
        ("2026-02-30", "", "closed_from"),
        ("", "soon", "closed_to"),
        ("2026-11-24", "2026-11-01", "closed_from"),
        ("2024-01-01", "2026-01-01", "closed_to"),
    ],
)
def test_a_bad_period_names_the_field(raw_from, raw_to, field):
    with pytest.raises(ValidationFailed) as err:
        period(raw_from, raw_to, TODAY, NAMES)
    assert err.value.violations[0].field == field


def test_the_previous_period_has_the_same_length_and_ends_the_day_before():
    p = period("2026-11-01", "2026-11-30", TODAY, NAMES)
    assert p.previous() == Period(date(2026, 10, 2), date(2026, 10, 31))
    assert period("", "", TODAY, NAMES) == Period(date(2026, 10, 26), TODAY)


def test_group_by_is_one_of_the_known_groupings():
    assert group_by("team") == "team"
    with pytest.raises(ValidationFailed) as err:
        group_by("product")
    assert err.value.violations[0].field == "group_by"


def test_a_rep_sees_own_a_manager_the_team_a_director_all():
    rep = Scope("own", "rep-1", "team-a")
    manager = Scope("team", "mgr", "team-a")
    director = Scope("all", "dir")
    assert rep.sees("rep-1", "team-a") and not rep.sees("rep-2", "team-a")
    assert manager.sees("rep-2", "team-a") and not manager.sees("rep-3", "team-b")
    assert director.sees("rep-3", "team-b")
    assert not Scope("all", "dir", owner_filter="rep-1").sees("rep-2", "team-a")
    assert not Scope("team", "mgr", "team-a", team_filter="team-b").sees("rep-3", "team-b")
    assert Scope("team", "mgr", "").sees("mgr", "") and not Scope("team", "mgr", "").sees("x", "")
