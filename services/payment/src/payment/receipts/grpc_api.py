"""PaymentService RPCs of receipts: proto in -> use case -> proto out."""

from __future__ import annotations

from typing import Any, Protocol

from crm.payment.v1 import payment_pb2 as pb
from crm_runtime.principal import current_principal

from payment.receipts.proto import draft_from_proto, receipt_to_proto
from payment.receipts.use_cases import ReceiptApp


class ReceiptUseCases(Protocol):
    @property
    def receipts(self) -> ReceiptApp: ...


class ReceiptRpcs:
    apps: ReceiptUseCases

    def RecordReceipt(
        self, request: pb.RecordReceiptRequest, context: Any
    ) -> pb.RecordReceiptResponse:
        receipt, duplicate = self.apps.receipts.record(
            current_principal(), draft_from_proto(request)
        )
        return pb.RecordReceiptResponse(receipt=receipt_to_proto(receipt), duplicate=duplicate)

    def GetReceipt(self, request: pb.GetReceiptRequest, context: Any) -> pb.GetReceiptResponse:
        receipt = self.apps.receipts.get(current_principal(), request.id)
        return pb.GetReceiptResponse(receipt=receipt_to_proto(receipt))
