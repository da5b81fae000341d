"""PaymentService RPCs of reconciliation: proto in -> use case -> proto out."""

from __future__ import annotations

from typing import Any, Protocol

from crm.payment.v1 import payment_pb2 as pb
from crm_runtime.errors import FieldViolation, ValidationFailed
from crm_runtime.principal import current_principal

from payment.plans.proto import receivable_to_proto
from payment.receipts.proto import allocation_to_proto, receipt_to_proto
from payment.reconciliation.proto import requests_from_proto
from payment.reconciliation.use_cases import ReconciliationApp

MAX_RECEIPTS = 50


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

    def AutoReconcile(
        self, request: pb.AutoReconcileRequest, context: Any
    ) -> pb.AutoReconcileResponse:
        app, principal = self.apps.reconciliation, current_principal()
        if not request.receipt_ids:
            raise ValidationFailed([FieldViolation("receipt_ids", "name 1 to 50 receipts")])
        if len(request.receipt_ids) > MAX_RECEIPTS:
            raise ValidationFailed([FieldViolation("receipt_ids", "name 1 to 50 receipts")])
        if request.expected_version and len(request.receipt_ids) > 1:
            raise ValidationFailed([FieldViolation("expected_version", "with one receipt only")])
        results = []
        for receipt_id in request.receipt_ids:
            done = app.auto_match(principal, receipt_id, request.dry_run, request.expected_version)
            made = (
                done.match.receipt.allocations[-len(done.match.receivables) :] if done.match else ()
            )
            results.append(
                pb.AutoMatchResult(
                    receipt_id=receipt_id,
                    matched=bool(done.rule),
                    allocations=[allocation_to_proto(a) for a in made],
                    reason="" if done.rule else done.reason,
                    rule=pb.MatchMethod.Value(f"MATCH_METHOD_{done.rule.upper()}")
                    if done.rule
                    else pb.MATCH_METHOD_UNSPECIFIED,
                    evidence=done.reason if done.rule else "",
                    receipt=receipt_to_proto(done.receipt),
                )
            )
        matched = sum(r.matched for r in results)
        return pb.AutoReconcileResponse(
            results=results, matched=matched, unmatched=len(results) - matched
        )
