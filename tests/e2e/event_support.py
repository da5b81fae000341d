"""Waiting for the event pipeline to go quiet, so that a test that loads it (a bulk
import writes thousands of events) leaves no backlog for the tests after it: the lead
slice measures how fast one event reaches the inbox and analytics, and must not queue
behind another test's work."""

from __future__ import annotations

import time
from datetime import datetime

from pymongo import MongoClient

# The consumers of LeadCreated and the name each records a handled event under
# (crm_runtime.messaging.inbox.handle_once: "<handler>:<event id>" in the service's inbox).
LEAD_CREATED_CONSUMERS = {
    "crm_notification": "notification.on_LeadCreated",
    "crm_analytics": "analytics.on_lead_created",
}


def unconsumed_lead_events(mongo: MongoClient, since: datetime) -> int:
    """LeadCreated events written since `since` that a consumer has not handled yet."""
    ids = [
        doc["_id"]
        for doc in mongo["crm_lead"]["outbox"].find(
            {"event_type": "LeadCreated", "created_at": {"$gte": since}}, {"_id": 1}
        )
    ]
    missing = 0
    for database, handler in LEAD_CREATED_CONSUMERS.items():
        handled = mongo[database]["inbox"].count_documents(
            {"_id": {"$in": [f"{handler}:{event_id}" for event_id in ids]}}
        )
        missing += len(ids) - handled
    return missing


def wait_until_consumed(mongo: MongoClient, since: datetime, seconds: float = 300) -> None:
    """Wait until every LeadCreated event since `since` is handled by every consumer."""
    deadline = time.monotonic() + seconds
    while (missing := unconsumed_lead_events(mongo, since)) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not missing, f"{missing} LeadCreated deliveries still pending after {seconds:.0f} s"
