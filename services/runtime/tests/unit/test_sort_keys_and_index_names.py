"""The store helpers' pure parts: index names and declarations, sort keys and cursors."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from bson.decimal128 import Decimal128
from crm_runtime.errors import ValidationFailed
from crm_runtime.storage.repository import IndexSpec, SortKey, decimal128, index_name, tenant_index


def test_index_names_are_the_ones_mongodb_gives():
    assert index_name(("tenant_id", 1), ("created_at", -1), ("_id", -1)) == (
        "tenant_id_1_created_at_-1__id_-1"
    )


def test_a_tenant_index_leads_with_the_tenant():
    spec = tenant_index("accounts", ("name_key", 1), unique=True)
    assert spec == IndexSpec("accounts", (("tenant_id", 1), ("name_key", 1)), unique=True)
    assert spec.name == "tenant_id_1_name_key_1"


def test_a_sort_key_breaks_ties_by_id_and_names_its_index_tail():
    newest = SortKey("created_at", descending=True)
    assert newest.spec == [("created_at", -1), ("_id", -1)]
    assert newest.index_spec == [("created_at", -1), ("_id", -1)]
    by_name = SortKey("name_key", descending=False, kind="text", index_direction=1)
    assert by_name.spec == [("name_key", 1), ("_id", 1)]
    assert by_name.index_spec == [("name_key", 1), ("_id", 1)]
    assert by_name.after(("acme", "a1")) == {
        "$or": [{"name_key": {"$gt": "acme"}}, {"name_key": "acme", "_id": {"$gt": "a1"}}]
    }


@pytest.mark.parametrize(
    ("kind", "stored", "decoded"),
    [
        (
            "instant",
            datetime(2026, 12, 1, 8, 30, tzinfo=UTC),
            datetime(2026, 12, 1, 8, 30, tzinfo=UTC),
        ),
        ("decimal", decimal128(Decimal("12.50")), Decimal128("12.50")),
        ("int", 30, 30),
        ("text", "acme", "acme"),
    ],
)
def test_a_cursor_carries_the_typed_value_and_the_id(kind, stored, decoded):
    sort = SortKey("v", descending=True, kind=kind)
    assert sort.decode(sort.encode({"_id": "x1", "v": stored})) == (decoded, "x1")


def test_no_cursor_is_the_first_page_and_a_foreign_one_a_field_error():
    sort = SortKey("v", descending=True, kind="int")
    assert sort.decode("") is None
    wrong_kind = SortKey("v", descending=True, kind="text").encode({"_id": "x1", "v": "a"})
    for bad in ("%%%", wrong_kind):
        with pytest.raises(ValidationFailed) as err:
            sort.decode(bad)
        assert err.value.violations[0].field == "cursor"
