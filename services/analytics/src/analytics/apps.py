"""The analytics use cases built around the Mongo storage: what the api, the worker and
the operator command run (the unit tests build `AnalyticsApp` on the in-memory one)."""

from __future__ import annotations

from crm_runtime.storage.mongo import UnitOfWork

from analytics.app import AnalyticsApp
from analytics.store import MongoAnalyticsStorage


def build(uow: UnitOfWork) -> AnalyticsApp:
    return AnalyticsApp(MongoAnalyticsStorage(uow))
