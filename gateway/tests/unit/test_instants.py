from datetime import UTC, datetime, timedelta, timezone

import pytest
from crm_runtime.errors import ValidationFailed
from gateway.conventions.instants import parse_instant


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-24T08:00:00Z", datetime(2026, 11, 24, 8, tzinfo=UTC)),
        (
            "2026-11-24t16:00:00.5+08:00",
            datetime(2026, 11, 24, 16, 0, 0, 500000, tzinfo=timezone(timedelta(hours=8))),
        ),
        (None, None),
    ],
)
def test_rfc_3339_instants_are_read(text, expected):
    assert parse_instant("since", text) == expected


@pytest.mark.parametrize(
    "text", ["0.5", "", "2026-11-24", "2026-11-24T08:00:00", "9999-01-01T00:00:00Z"]
)
def test_anything_else_is_a_422_naming_the_parameter(text):
    with pytest.raises(ValidationFailed) as refused:
        parse_instant("since", text)
    assert refused.value.violations[0].field == "since"
