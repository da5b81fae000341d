"""nameko worker bootstrap and the extensions every worker uses.

A worker process must call `eventlet.monkey_patch()` before importing anything else
(its main module does it first). Workers never make gRPC calls (grpcio does not work
under eventlet); what a handler needs comes in the event or from its own store.
"""

from __future__ import annotations

import logging
import signal
import socket
import sys
import time
from collections.abc import Callable
from typing import Any, TypeVar, cast

import eventlet
from kombu import Connection, Exchange, Queue
from nameko import config as nameko_config
from nameko.amqp.publish import Publisher, UndeliverableMessage
from nameko.events import EventHandler
from nameko.extensions import DependencyProvider
from nameko.runners import ServiceRunner
from nameko.standalone.events import get_event_exchange
from nameko.timer import timer
from opentelemetry import context as otel_context
from opentelemetry import trace

from crm_runtime import metrics
from crm_runtime.config import Settings
from crm_runtime.messaging.outbox import OutboxRelay, Unroutable, ensure_outbox_indexes
from crm_runtime.storage.mongo import connect
from crm_runtime.telemetry import context_from_headers, setup_telemetry
from crm_runtime.wiring import BuildApp, EnsureIndexes, build

log = logging.getLogger(__name__)

SETTINGS_KEY = "CRM_SETTINGS"
DEAD_LETTER_EXCHANGE = "crm.dead-letter"


def settings_of_container() -> Settings:
    settings = nameko_config.get(SETTINGS_KEY)
    if not isinstance(settings, Settings):
        raise RuntimeError("the worker was started without CRM settings in nameko's config")
    return settings


class AppProvider(DependencyProvider):  # type: ignore[misc]
    """Builds the service's application object once per container from its settings."""

    def __init__(self, ensure_indexes: EnsureIndexes, build_app: BuildApp) -> None:
        self.ensure_indexes = ensure_indexes
        self.build_app = build_app

    def setup(self) -> None:
        settings = settings_of_container()
        self.client = connect(settings)
        self.app = build(settings, self.client, self.ensure_indexes, self.build_app)

    def stop(self) -> None:
        self.client.close()

    def get_dependency(self, worker_ctx: Any) -> Any:
        return self.app


class HandlerTelemetry(DependencyProvider):  # type: ignore[misc]
    """A consumer span per event (child of the producer's trace), RED metrics, JSON logs."""

    def worker_setup(self, worker_ctx: Any) -> None:
        data = worker_ctx.context_data
        parent = context_from_headers(data)
        name = worker_ctx.entrypoint.method_name
        event_type = getattr(worker_ctx.entrypoint, "event_type", name)
        span = trace.get_tracer("crm.worker").start_span(
            f"{self.container.service_name}.{name}",
            context=parent,
            kind=trace.SpanKind.CONSUMER,
            attributes={"messaging.system": "rabbitmq", "crm.event_type": event_type},
        )
        token = otel_context.attach(trace.set_span_in_context(span))
        worker_ctx.data["crm_span"] = (span, token, time.perf_counter(), event_type)

    def worker_result(self, worker_ctx: Any, result: Any = None, exc_info: Any = None) -> None:
        span, token, started, event_type = worker_ctx.data.pop("crm_span")
        settings = settings_of_container()
        outcome = "error" if exc_info else ("duplicate" if result is False else "ok")
        if exc_info:
            span.record_exception(exc_info[1])
            span.set_status(trace.Status(trace.StatusCode.ERROR))
        span.end()
        otel_context.detach(token)
        if isinstance(worker_ctx.entrypoint, EventHandler):
            metrics.EVENTS_HANDLED.labels(settings.service, event_type, outcome).inc()
            metrics.EVENT_LATENCY.labels(settings.service, event_type).observe(
                time.perf_counter() - started
            )


class ReliableEventHandler(EventHandler):  # type: ignore[misc]
    """nameko's event handler with a dead-letter queue: a handler that raises has its
    message rejected to `dlq.<queue>` (kept for inspection and replay), never lost and
    never redelivered in a hot loop."""

    def setup(self) -> None:
        super().setup()
        name = self.queue.name
        self.queue.queue_arguments = {
            "x-dead-letter-exchange": DEAD_LETTER_EXCHANGE,
            "x-dead-letter-routing-key": name,
        }
        dlx = Exchange(DEAD_LETTER_EXCHANGE, type="direct", durable=True)
        with Connection(self.amqp_uri) as conn:
            channel = conn.channel()
            dlx(channel).declare()
            Queue(f"dlq.{name}", exchange=dlx, routing_key=name, durable=True)(channel).declare()

    def handle_message_processed(
        self, message: Any, result: Any = None, exc_info: Any = None
    ) -> None:
        if exc_info is None:
            self.consumer.ack_message(message)
            return
        settings = settings_of_container()
        metrics.DEAD_LETTERS.labels(settings.service, self.event_type).inc()
        log.error("handler %s failed; event dead-lettered", self.method_name, exc_info=exc_info)
        if message.channel.connection:
            message.reject(requeue=False)


Entrypoint = TypeVar("Entrypoint", bound=Callable[..., Any])


def on_event(source_service: str, event_type: str) -> Callable[[Entrypoint], Entrypoint]:
    """Handle `event_type` events of `source_service` reliably (dead-lettered on failure).
    Typed here once, so that workers stay under strict mypy: nameko ships no types."""
    decorate = ReliableEventHandler.decorator(source_service, event_type)
    return cast("Callable[[Entrypoint], Entrypoint]", decorate)


def every(seconds: float) -> Callable[[Entrypoint], Entrypoint]:
    """Run the method on nameko's timer every `seconds` (typed; see `on_event`)."""
    return cast("Callable[[Entrypoint], Entrypoint]", timer(interval=seconds))


class AmqpPublisher:
    """publish() for the outbox relay: confirmed, mandatory, exchange declared."""

    def __init__(self, amqp_uri: str, service: str) -> None:
        self.exchange = get_event_exchange(service)
        self.publisher = Publisher(
            amqp_uri, use_confirms=True, mandatory=True, declare=[self.exchange]
        )

    def __call__(
        self, exchange: str, routing_key: str, body: dict[str, Any], headers: dict[str, str]
    ) -> None:
        try:
            self.publisher.publish(
                body,
                exchange=self.exchange,
                routing_key=routing_key,
                headers=headers,
                message_id=body["event_id"],
            )
        except UndeliverableMessage as exc:
            raise Unroutable(routing_key) from exc


def relay_service(service: str, interval: float) -> type:
    """A nameko service that runs the outbox relay of `service` on a timer."""

    class Relay(DependencyProvider):  # type: ignore[misc]
        def setup(self) -> None:
            settings = settings_of_container()
            self.client = connect(settings)
            db = self.client[settings.database]
            ensure_outbox_indexes(db)
            owner = f"{socket.gethostname()}:{id(self)}"
            publish = AmqpPublisher(settings.amqp_uri, service)
            self.relay = OutboxRelay(db, service, publish, owner=owner)

        def stop(self) -> None:
            self.relay.release()
            self.client.close()

        def get_dependency(self, worker_ctx: Any) -> OutboxRelay:
            return self.relay

    class OutboxRelayService:
        name = f"{service}_outbox_relay"
        relay = Relay()

        @timer(interval=interval)
        def publish_pending(self) -> None:
            while self.relay.tick() == self.relay.batch_size:
                pass  # a full batch: there may be more waiting

    return OutboxRelayService


def run_worker(settings: Settings, *services: type) -> None:
    """Run nameko services until SIGTERM/SIGINT; serves metrics meanwhile."""
    setup_telemetry(settings)
    metrics.serve_metrics(settings.metrics_port)
    nameko_config.update({"AMQP_URI": settings.amqp_uri, SETTINGS_KEY: settings})
    runner = ServiceRunner()
    for cls in (*services, relay_service(settings.service, settings.outbox_poll_seconds)):
        runner.add_service(cls)

    def on_signal(signum: int, _frame: object) -> None:
        log.info("signal %s received, stopping worker", signum)
        metrics.PROCESS_READY.labels(settings.service, settings.process).set(0)
        eventlet.spawn_n(runner.stop)  # never block inside a signal handler

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    runner.start()
    metrics.PROCESS_READY.labels(settings.service, settings.process).set(1)
    log.info("worker started", extra={"services": [getattr(cls, "name", "") for cls in services]})
    runner.wait()
    sys.exit(0)
