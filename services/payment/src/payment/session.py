"""What every use-case class of the service shares: the storage, the clock, new ids."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime

from crm_runtime.clock import utcnow

from payment.ports import PaymentStorage


def new_id() -> str:
    return str(uuid.uuid4())


class ServiceApp:
    def __init__(
        self,
        storage: PaymentStorage,
        clock: Callable[[], datetime] = utcnow,
        make_id: Callable[[], str] = new_id,
    ) -> None:
        self.storage = storage
        self.clock = clock
        self.new_id = make_id
