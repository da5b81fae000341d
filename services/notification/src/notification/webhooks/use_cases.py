"""Webhook use cases: manage endpoints and their secrets, fan events out to the
endpoints that take them, deliver what is due, show and replay the log."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from crm_runtime.clock import utcnow
from crm_runtime.errors import Conflict, NotFound, check_version
from crm_runtime.paging import decode_position, page_limit
from crm_runtime.principal import Principal

from notification.pages import Page, page_of
from notification.ports import NotificationStorage, Sealer, Sender, Stores, UrlGuard
from notification.webhooks import domain
from notification.webhooks.domain import Delivery, Endpoint, EndpointFields, SigningKey

log = logging.getLogger(__name__)
TEST_EVENT = "WebhookTest"
CLAIM_LEASE = timedelta(seconds=60)


class Webhooks:
    def __init__(
        self,
        storage: NotificationStorage,
        sealer: Sealer,
        guard: UrlGuard,
        sender: Sender,
        catalogue: Sequence[str],
        clock: Callable[[], datetime] = utcnow,
        source: str = "/crm",
    ) -> None:
        self.storage = storage
        self.sealer = sealer
        self.guard = guard
        self.sender = sender
        self.catalogue = list(catalogue)
        self.clock = clock
        self.source = source

    def _new_key(self, tenant_id: str, endpoint_id: str, now: datetime) -> tuple[SigningKey, str]:
        secret = domain.new_secret()
        key_id, sealed = self.sealer.seal(secret, f"{tenant_id}/{endpoint_id}")
        return SigningKey(key_id, sealed, now), secret

    @staticmethod
    def _endpoint(stores: Stores, tenant_id: str, endpoint_id: str) -> Endpoint:
        endpoint = stores.endpoints(tenant_id).get(endpoint_id)
        if endpoint is None:
            raise NotFound(f"webhook endpoint {endpoint_id} not found")
        return endpoint

    def create(self, principal: Principal, fields: EndpointFields) -> tuple[Endpoint, str]:
        """The new endpoint and its secret (shown this once)."""
        domain.check_fields(fields, self.catalogue, creating=True)
        self.guard.check(fields.url or "")
        now = self.clock()
        endpoint_id = uuid.uuid4().hex
        key, secret = self._new_key(principal.tenant_id, endpoint_id, now)
        endpoint = domain.create_endpoint(
            endpoint_id, principal.tenant_id, fields, key, self.catalogue, now
        )
        self.storage.run(lambda s: s.endpoints(principal.tenant_id).add(endpoint))
        return endpoint, secret

    def get(self, principal: Principal, endpoint_id: str) -> Endpoint:
        return self.storage.run(lambda s: self._endpoint(s, principal.tenant_id, endpoint_id))

    def list(self, principal: Principal, limit: int, cursor: str) -> Page[Endpoint]:
        size = page_limit(limit)
        position = decode_position(cursor)
        items = self.storage.run(
            lambda s: s.endpoints(principal.tenant_id).page(size + 1, position)
        )
        return page_of(items, size)

    def update(
        self, principal: Principal, endpoint_id: str, fields: EndpointFields, expected_version: int
    ) -> Endpoint:
        domain.check_fields(fields, self.catalogue, creating=False)
        if fields.url is not None:
            self.guard.check(fields.url)

        def work(stores: Stores) -> Endpoint:
            endpoint = self._endpoint(stores, principal.tenant_id, endpoint_id)
            check_version(f"webhook endpoint {endpoint_id}", endpoint.version, expected_version)
            changed = domain.update_endpoint(endpoint, fields, self.catalogue, self.clock())
            return stores.endpoints(principal.tenant_id).save(changed, endpoint.version)

        return self.storage.run(work)

    def delete(self, principal: Principal, endpoint_id: str, expected_version: int) -> None:
        """The endpoint is gone: nothing more is queued for it, what is pending fails
        ("the endpoint was deleted") instead of being sent, and its log goes with it."""

        def work(stores: Stores) -> None:
            endpoint = self._endpoint(stores, principal.tenant_id, endpoint_id)
            check_version(f"webhook endpoint {endpoint_id}", endpoint.version, expected_version)
            stores.endpoints(principal.tenant_id).delete(endpoint_id)

        self.storage.run(work)

    def rotate_secret(
        self, principal: Principal, endpoint_id: str, expected_version: int
    ) -> tuple[Endpoint, str]:
        """A new secret (shown this once); the previous one signs too for the overlap."""
        now = self.clock()
        key, secret = self._new_key(principal.tenant_id, endpoint_id, now)

        def work(stores: Stores) -> Endpoint:
            endpoint = self._endpoint(stores, principal.tenant_id, endpoint_id)
            check_version(f"webhook endpoint {endpoint_id}", endpoint.version, expected_version)
            rotated = domain.rotate(endpoint, key, now)
            return stores.endpoints(principal.tenant_id).save(rotated, endpoint.version)

        return self.storage.run(work), secret

    def send_test(self, principal: Principal, endpoint_id: str) -> Delivery:
        """A `WebhookTest` message queued for the endpoint, delivered like any other."""
        now = self.clock()
        event_id = uuid.uuid4().hex
        envelope = {
            "event_id": event_id,
            "event_type": TEST_EVENT,
            "occurred_at": now,
            "payload": {"endpoint_id": endpoint_id, "message": "a test from the CRM"},
        }

        def work(stores: Stores) -> Delivery:
            endpoint = self._endpoint(stores, principal.tenant_id, endpoint_id)
            delivery = domain.new_delivery(uuid.uuid4().hex, endpoint, envelope, now)
            stores.deliveries(principal.tenant_id).add(delivery)
            return delivery

        return self.storage.run(work)

    def deliveries(
        self, principal: Principal, endpoint_id: str, limit: int, cursor: str
    ) -> Page[Delivery]:
        size = page_limit(limit)
        position = decode_position(cursor)

        def read(stores: Stores) -> list[Delivery]:
            self._endpoint(stores, principal.tenant_id, endpoint_id)
            return stores.deliveries(principal.tenant_id).page(endpoint_id, size + 1, position)

        items = self.storage.run(read)
        return page_of(items, size)

    def replay(self, principal: Principal, endpoint_id: str, delivery_id: str) -> Delivery:
        """The delivery again, as a new delivery with the original `webhook-id`."""
        now = self.clock()

        def work(stores: Stores) -> Delivery:
            endpoint = self._endpoint(stores, principal.tenant_id, endpoint_id)
            original = stores.deliveries(principal.tenant_id).get(delivery_id)
            if original is None or original.endpoint_id != endpoint_id:
                raise NotFound(f"webhook delivery {delivery_id} not found")
            again = domain.replay(original, endpoint, uuid.uuid4().hex, now)
            stores.deliveries(principal.tenant_id).add(again)
            return again

        return self.storage.run(work)

    def fan_out(self, envelope: dict[str, Any]) -> bool:
        """A delivery per endpoint of the tenant that takes this event, once per event."""
        now = self.clock()
        event = {**envelope, "occurred_at": _instant(envelope.get("occurred_at"), now)}

        def effect(stores: Stores) -> None:
            tenant = envelope["tenant_id"]
            for endpoint in stores.endpoints(tenant).subscribed(envelope["event_type"]):
                delivery = domain.new_delivery(uuid.uuid4().hex, endpoint, event, now)
                stores.deliveries(tenant).add(delivery)

        return self.storage.handle_once("notification.webhooks", envelope, effect)

    def deliver_due(self, limit: int = 20) -> int:
        """Attempt up to `limit` due deliveries; how many were attempted."""
        claimed = self.storage.claim_due(self.clock(), limit, CLAIM_LEASE)
        wanted = {(d.tenant_id, d.endpoint_id) for d, _ in claimed}
        endpoints = self.storage.run(  # the batch's endpoints, read once
            lambda s: {(t, e): s.endpoints(t).get(e) for t, e in wanted}
        )
        for delivery, claim in claimed:
            key = (delivery.tenant_id, delivery.endpoint_id)
            try:
                endpoints[key] = self._attempt(delivery, claim, endpoints[key])
            except Conflict:
                log.warning("webhook delivery %s was taken over by another worker", delivery.id)
        return len(claimed)

    def _attempt(
        self, delivery: Delivery, claim: datetime, endpoint: Endpoint | None
    ) -> Endpoint | None:
        """One attempt; the endpoint as it is afterwards."""
        tenant = delivery.tenant_id
        if endpoint is None or not endpoint.enabled:
            reason = endpoint.disabled_reason if endpoint else "the endpoint was deleted"
            failed = domain.give_up(
                delivery, f"not sent: {reason or 'endpoint disabled'}", self.clock()
            )
            self.storage.run(lambda s: s.deliveries(tenant).save(failed, claim))
            return endpoint
        now = self.clock()
        context = f"{tenant}/{endpoint.id}"
        secrets = [self.sealer.unseal(k.sealed, context) for k in endpoint.signing_keys(now)]
        body, content_type = domain.body(delivery, endpoint.format, self.source)
        timestamp = int(now.timestamp())
        headers = {
            "content-type": content_type,
            "webhook-id": delivery.message_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": domain.sign(secrets, delivery.message_id, timestamp, body),
            "user-agent": "crm-webhooks/1",
        }
        started = time.monotonic()
        outcome = self.sender.post(endpoint.url, body, headers)
        log.info(
            "webhook %s to %s: %s in %.0f ms",
            delivery.message_id,
            endpoint.id,
            outcome.status_code or outcome.error,
            (time.monotonic() - started) * 1000,
        )
        done, endpoint_after = domain.after_attempt(delivery, endpoint, outcome, self.clock())

        def save(stores: Stores) -> Endpoint:
            stores.deliveries(tenant).save(done, claim)
            if endpoint_after == endpoint:
                return endpoint
            current = stores.endpoints(tenant).get(endpoint.id)
            if current is None or current.version != endpoint.version:
                return current or endpoint  # changed meanwhile: theirs wins
            return stores.endpoints(tenant).save(endpoint_after, endpoint.version)

        return self.storage.run(save)


def _instant(value: Any, default: datetime) -> datetime:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and value:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    return default
