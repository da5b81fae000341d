import pytest
from crm_runtime.errors import ValidationFailed
from crm_runtime.paging import DEFAULT_LIMIT, decode_cursor, encode_cursor, page_limit


def test_cursor_round_trip():
    key = ["2026-11-24T07:00:00+00:00", "abc"]
    assert decode_cursor(encode_cursor(key)) == key


def test_empty_cursor_means_first_page():
    assert decode_cursor("") is None


@pytest.mark.parametrize("bad", ["%%%", "bm90LWpzb24", "eyJhIjoxfQ"])  # junk, not JSON, not a list
def test_foreign_cursor_is_a_field_error(bad):
    with pytest.raises(ValidationFailed) as err:
        decode_cursor(bad)
    assert err.value.violations[0].field == "cursor"


def test_limits():
    assert page_limit(0) == DEFAULT_LIMIT
    assert page_limit(200) == 200
    for bad in (-1, 201):
        with pytest.raises(ValidationFailed) as err:
            page_limit(bad)
        assert err.value.violations[0].field == "limit"
