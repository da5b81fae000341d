"""Idempotent consumers: the id of a handled event is recorded in the same transaction
as the handler's effect, so a redelivered event does nothing the second time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from pymongo.errors import DuplicateKeyError

from crm_runtime.storage.mongo import Transaction, UnitOfWork

INBOX = "inbox"


def handle_once(
    uow: UnitOfWork,
    handler: str,
    envelope: dict[str, Any],
    effect: Callable[[Transaction], None],
) -> bool:
    """Run `effect` for this event unless `handler` has already handled it.

    Returns True when the effect ran (and committed), False for a duplicate.
    """
    event_id = envelope["event_id"]

    def work(tx: Transaction) -> None:
        tx.db[INBOX].insert_one(
            {
                "_id": f"{handler}:{event_id}",
                "tenant_id": envelope["tenant_id"],
                "event_type": envelope["event_type"],
                "handled_at": datetime.now(UTC),
            },
            session=tx.session,
        )
        effect(tx)

    try:
        uow.run(work)
    except DuplicateKeyError as exc:
        if f"{handler}:{event_id}" in str(exc.details or exc):
            return False
        raise
    return True
