"""Idempotent consumers: the same event twice has one effect."""

import pytest
from crm_runtime.messaging.inbox import handle_once
from crm_runtime.storage.mongo import UnitOfWork


@pytest.fixture
def uow(mongo_client, database_name):
    return UnitOfWork(mongo_client, database_name)


ENVELOPE = {"event_id": "e-1", "tenant_id": "t1", "event_type": "LeadCreated"}


def _count(tx):
    tx.collection("counters", "t1").update_one({"_id": "c"}, {"$inc": {"n": 1}}, upsert=True)


def test_a_redelivered_event_has_no_second_effect(uow, mongo_client, database_name):
    assert handle_once(uow, "h", ENVELOPE, _count) is True
    assert handle_once(uow, "h", ENVELOPE, _count) is False
    assert mongo_client[database_name].counters.find_one({"_id": "c"})["n"] == 1


def test_handlers_deduplicate_independently(uow, mongo_client, database_name):
    assert handle_once(uow, "h1", ENVELOPE, _count)
    assert handle_once(uow, "h2", ENVELOPE, _count)
    assert mongo_client[database_name].counters.find_one({"_id": "c"})["n"] == 2


def test_a_failed_effect_does_not_mark_the_event_handled(uow, mongo_client, database_name):
    def boom(tx):
        _count(tx)
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        handle_once(uow, "h", ENVELOPE, boom)
    assert handle_once(uow, "h", ENVELOPE, _count) is True
    assert mongo_client[database_name].counters.find_one({"_id": "c"})["n"] == 1
