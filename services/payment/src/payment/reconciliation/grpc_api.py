"""PaymentService RPCs of reconciliation: proto in -> use case -> proto out."""

from __future__ import annotations

from typing import Any, Protocol

from crm.payment.v1 import payment_pb2 as pb
from crm_runtime.principal import current_principal

from payment.plans.proto import receivable_to_proto
from payment.receipts.proto import receipt_to_proto
from payment.reconciliation.proto import requests_from_proto
from payment.reconciliation.use_cases import ReconciliationApp


class ReconciliationUseCases(Protocol):
    @property
    def reconciliation(self) -> ReconciliationApp: ...


class ReconciliationRpcs:
    apps: ReconciliationUseCases

    def MatchReceipt(
        self, request: pb.MatchReceiptRequest, context: Any
    ) -> pb.MatchReceiptResponse:
        app = self.apps.reconciliation
        match = app.match(
            current_principal(),
            request.receipt_id,
            requests_from_proto(request.allocations),
            request.note,
            request.expected_version,
        )
        now = app.clock()
        return pb.MatchReceiptResponse(
            receipt=receipt_to_proto(match.receipt),
            receivables=[receivable_to_proto(r, now) for r in match.receivables],
        )
