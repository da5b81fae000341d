"""The webhook RPCs of NotificationService: proto in -> use case -> proto out."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from crm.common.v1 import common_pb2
from crm.notification.v1 import notification_pb2 as pb
from crm_runtime.principal import current_principal

from notification.webhooks.proto import (
    delivery_to_proto,
    endpoint_to_proto,
    event_types,
    fields_of_create,
    fields_of_update,
)
from notification.webhooks.use_cases import Webhooks


class WebhookRpcs:
    """Mixed into the service's servicer."""

    webhooks: Webhooks
    clock: Callable[[], datetime]

    def CreateWebhook(
        self, request: pb.CreateWebhookRequest, context: Any
    ) -> pb.CreateWebhookResponse:
        endpoint, secret = self.webhooks.create(current_principal(), fields_of_create(request))
        return pb.CreateWebhookResponse(
            webhook=endpoint_to_proto(endpoint, self.clock()), signing_secret=secret
        )

    def GetWebhook(self, request: pb.GetWebhookRequest, context: Any) -> pb.GetWebhookResponse:
        endpoint = self.webhooks.get(current_principal(), request.id)
        return pb.GetWebhookResponse(webhook=endpoint_to_proto(endpoint, self.clock()))

    def ListWebhooks(
        self, request: pb.ListWebhooksRequest, context: Any
    ) -> pb.ListWebhooksResponse:
        page = self.webhooks.list(current_principal(), request.page.limit, request.page.cursor)
        now = self.clock()
        return pb.ListWebhooksResponse(
            webhooks=[endpoint_to_proto(e, now) for e in page.items],
            page=common_pb2.PageResponse(next_cursor=page.next_cursor),
        )

    def UpdateWebhook(
        self, request: pb.UpdateWebhookRequest, context: Any
    ) -> pb.UpdateWebhookResponse:
        endpoint = self.webhooks.update(
            current_principal(), request.id, fields_of_update(request), request.expected_version
        )
        return pb.UpdateWebhookResponse(webhook=endpoint_to_proto(endpoint, self.clock()))

    def DeleteWebhook(
        self, request: pb.DeleteWebhookRequest, context: Any
    ) -> pb.DeleteWebhookResponse:
        self.webhooks.delete(current_principal(), request.id, request.expected_version)
        return pb.DeleteWebhookResponse()

    def RotateWebhookSecret(
        self, request: pb.RotateWebhookSecretRequest, context: Any
    ) -> pb.RotateWebhookSecretResponse:
        endpoint, secret = self.webhooks.rotate_secret(
            current_principal(), request.id, request.expected_version
        )
        return pb.RotateWebhookSecretResponse(
            webhook=endpoint_to_proto(endpoint, self.clock()), signing_secret=secret
        )

    def TestWebhook(self, request: pb.TestWebhookRequest, context: Any) -> pb.TestWebhookResponse:
        delivery = self.webhooks.send_test(current_principal(), request.id)
        return pb.TestWebhookResponse(delivery=delivery_to_proto(delivery))

    def ListWebhookDeliveries(
        self, request: pb.ListWebhookDeliveriesRequest, context: Any
    ) -> pb.ListWebhookDeliveriesResponse:
        page = self.webhooks.deliveries(
            current_principal(), request.webhook_id, request.page.limit, request.page.cursor
        )
        return pb.ListWebhookDeliveriesResponse(
            deliveries=[delivery_to_proto(d) for d in page.items],
            page=common_pb2.PageResponse(next_cursor=page.next_cursor),
        )

    def ReplayWebhookDelivery(
        self, request: pb.ReplayWebhookDeliveryRequest, context: Any
    ) -> pb.ReplayWebhookDeliveryResponse:
        delivery = self.webhooks.replay(
            current_principal(), request.webhook_id, request.delivery_id
        )
        return pb.ReplayWebhookDeliveryResponse(delivery=delivery_to_proto(delivery))

    def ListWebhookEventTypes(
        self, request: pb.ListWebhookEventTypesRequest, context: Any
    ) -> pb.ListWebhookEventTypesResponse:
        return pb.ListWebhookEventTypesResponse(event_types=event_types())
