"""A clock for use cases running on an in-memory storage."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from crm_runtime.clock import utcnow


def ticking_clock() -> Callable[[], datetime]:
    """The real clock, one millisecond on at least per reading: on a fake a call takes
    less than the millisecond the store keeps, and records created one after another
    must still sort in the order they were created, as they do on the store."""
    last, lock = [utcnow() - timedelta(seconds=1)], threading.Lock()

    def now() -> datetime:
        with lock:
            last[0] = max(utcnow(), last[0] + timedelta(milliseconds=1))
            return last[0]

    return now
