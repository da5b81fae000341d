"""A timer's due query, `at_or_before`, against the embedded server: both ends of the
range as the planner reads them on an ascending index, with nothing due (null or
missing) left out."""

from datetime import UTC, datetime, timedelta

from crm_runtime.storage.mongo import at_or_before
from pymongo import ASCENDING

NOW = datetime(2026, 11, 24, 12, 0, 0, 123456, tzinfo=UTC)


def test_due_means_at_or_before_the_instant_to_the_stored_millisecond(mongo_client, database_name):
    leads = mongo_client[database_name]["leads"]
    leads.create_index([("next_check_at", ASCENDING)])
    leads.insert_many(
        [
            {"_id": "nothing due", "next_check_at": None},
            {"_id": "never had a check"},
            {"_id": "long overdue", "next_check_at": datetime(1999, 1, 1, tzinfo=UTC)},
            {"_id": "due this very moment", "next_check_at": NOW},
            {"_id": "due a millisecond later", "next_check_at": NOW + timedelta(milliseconds=1)},
            {"_id": "due tomorrow", "next_check_at": NOW + timedelta(days=1)},
        ]
    )

    due = leads.find({"next_check_at": at_or_before(NOW)}, sort=[("next_check_at", 1)])

    assert [d["_id"] for d in due] == ["long overdue", "due this very moment"]


def test_the_range_has_a_lower_end_so_nulls_are_outside_it():
    condition = at_or_before(NOW)
    assert condition["$gte"] < datetime(1970, 1, 1, tzinfo=UTC)
    assert condition["$lt"] == datetime(2026, 11, 24, 12, 0, 0, 124000, tzinfo=UTC)
