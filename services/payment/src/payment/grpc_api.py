"""The PaymentService servicer: one mixin per area (its grpc_api.py). RPCs no mixin
implements answer UNIMPLEMENTED (the generated base class)."""

from __future__ import annotations

from typing import Any

from crm.payment.v1 import payment_pb2 as pb
from crm.payment.v1 import payment_pb2_grpc

from payment.apps import PaymentApps
from payment.plans.grpc_api import PlanRpcs
from payment.receipts.grpc_api import ReceiptRpcs
from payment.reconciliation.grpc_api import ReconciliationRpcs

SERVICE_NAME = pb.DESCRIPTOR.services_by_name["PaymentService"].full_name

__all__ = ["SERVICE_NAME", "PaymentApps", "PaymentServicer", "register"]


class PaymentServicer(
    PlanRpcs, ReceiptRpcs, ReconciliationRpcs, payment_pb2_grpc.PaymentServiceServicer
):
    apps: PaymentApps

    def __init__(self, apps: PaymentApps) -> None:
        self.apps = apps


def register(apps: PaymentApps) -> Any:
    def add(server: Any) -> list[str]:
        payment_pb2_grpc.add_PaymentServiceServicer_to_server(PaymentServicer(apps), server)
        return [SERVICE_NAME]

    return add
