"""PaymentService RPCs of receipts: proto in -> use case -> proto out."""

from __future__ import annotations

from datetime import UTC
from typing import Any, Protocol

from crm.common.v1 import common_pb2
from crm.payment.v1 import payment_pb2 as pb
from crm_runtime.principal import current_principal

from payment.receipts.listing import ReceiptQuery
from payment.receipts.proto import draft_from_proto, query_from_proto, receipt_to_proto
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

    def ListReceipts(
        self, request: pb.ListReceiptsRequest, context: Any
    ) -> pb.ListReceiptsResponse:
        found, cursor = self.apps.receipts.page(
            current_principal(),
            query_from_proto(request.filter),
            request.page.limit,
            request.page.cursor,
        )
        return pb.ListReceiptsResponse(
            receipts=[receipt_to_proto(r) for r in found],
            page=common_pb2.PageResponse(next_cursor=cursor),
        )

    def ListUnmatchedReceipts(
        self, request: pb.ListUnmatchedReceiptsRequest, context: Any
    ) -> pb.ListUnmatchedReceiptsResponse:
        """The queue for finance: receipts with money still unallocated."""
        query = ReceiptQuery(
            statuses=["unmatched", "partially_matched"],
            received_from=request.received_from.ToDatetime(tzinfo=UTC)
            if request.HasField("received_from")
            else None,
            received_to=request.received_to.ToDatetime(tzinfo=UTC)
            if request.HasField("received_to")
            else None,
        )
        found, cursor = self.apps.receipts.page(
            current_principal(), query, request.page.limit, request.page.cursor
        )
        return pb.ListUnmatchedReceiptsResponse(
            receipts=[receipt_to_proto(r) for r in found],
            page=common_pb2.PageResponse(next_cursor=cursor),
        )
