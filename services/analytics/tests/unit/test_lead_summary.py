from datetime import date

import pytest
from analytics.domain.lead_summary import LeadCount, bucket_of, day_range, total
from crm_runtime.errors import ValidationFailed

TODAY = date(2026, 11, 24)


def test_events_count_on_their_utc_day():
    env = {"occurred_at": "2026-11-23T23:30:00Z", "payload": {"source": "wechat"}}
    assert bucket_of(env) == ("2026-11-23", "wechat")


def test_default_range_is_the_last_30_days():
    r = day_range("", "", TODAY)
    assert (r.first, r.last) == (date(2026, 10, 26), TODAY)


@pytest.mark.parametrize(
    ("from_day", "to_day", "field"),
    [
        ("2026-13-01", "", "from"),
        ("", "yesterday", "to"),
        ("2026-11-24", "2026-11-01", "from"),
        ("2024-01-01", "2026-01-01", "to"),
    ],
)
def test_bad_ranges_name_the_field(from_day, to_day, field):
    with pytest.raises(ValidationFailed) as err:
        day_range(from_day, to_day, TODAY)
    assert err.value.violations[0].field == field


def test_total():
    assert total([LeadCount("d", "web", 2), LeadCount("d", "api", 3)]) == 5
