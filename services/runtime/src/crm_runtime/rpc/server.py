"""One `serve()` for every service's gRPC api process.

It wires: health (grpc.health.v1, per-service status), reflection, OpenTelemetry server
spans (health calls left out), Prometheus RED metrics, the principal from metadata,
domain errors mapped to status codes, and graceful shutdown on SIGTERM/SIGINT
(health goes NOT_SERVING first so load balancers drain, then in-flight calls finish).
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable, Iterable
from concurrent import futures
from typing import Any

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection
from opentelemetry.instrumentation.grpc import filters, server_interceptor

from crm_runtime import errors, metrics
from crm_runtime.config import Settings
from crm_runtime.principal import Principal, reset_current, set_current
from crm_runtime.rpc.errors import to_status

log = logging.getLogger(__name__)

UNAUTHENTICATED_SERVICES = ("grpc.health.v1.Health", "grpc.reflection.v1alpha.ServerReflection")


class PlatformInterceptor(grpc.ServerInterceptor):  # type: ignore[misc]
    """Principal from metadata, RED metrics, and domain errors -> status, for unary calls."""

    def __init__(self, service: str) -> None:
        self.service = service

    def intercept_service(self, continuation: Callable[..., Any], details: Any) -> Any:
        handler = continuation(details)
        if handler is None or handler.unary_unary is None:
            return handler
        method: str = details.method
        public = method.lstrip("/").startswith(UNAUTHENTICATED_SERVICES)
        inner = handler.unary_unary

        def behaviour(request: Any, context: grpc.ServicerContext) -> Any:
            started = time.perf_counter()
            code = grpc.StatusCode.OK
            token = None
            try:
                if not public:
                    token = set_current(Principal.from_metadata(context.invocation_metadata()))
                return inner(request, context)
            except errors.DomainError as exc:
                status = to_status(exc)
                code = status.code
                context.abort_with_status(status)
            except Exception:
                if context.code() not in (None, grpc.StatusCode.OK):
                    code = context.code()
                    raise
                code = grpc.StatusCode.INTERNAL
                log.exception("unhandled error in %s", method)
                context.abort(grpc.StatusCode.INTERNAL, "internal error")
            finally:
                if token is not None:
                    reset_current(token)
                if not public:
                    metrics.GRPC_REQUESTS.labels(self.service, method, code.name).inc()
                    metrics.GRPC_LATENCY.labels(self.service, method).observe(
                        time.perf_counter() - started
                    )

        return grpc.unary_unary_rpc_method_handler(
            behaviour,
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )


Registrar = Callable[[grpc.Server], Iterable[str]]


class GrpcApp:
    """A configured, not yet started gRPC server; tests start it on port 0."""

    def __init__(self, settings: Settings, register: Registrar, max_workers: int = 16) -> None:
        self.settings = settings
        self.server = grpc.server(
            futures.ThreadPoolExecutor(max_workers=max_workers),
            interceptors=[
                server_interceptor(filter_=filters.negate(filters.health_check())),
                PlatformInterceptor(settings.service),
            ],
            options=[("grpc.so_reuseport", 0)],
        )
        self.health = health.HealthServicer()
        health_pb2_grpc.add_HealthServicer_to_server(self.health, self.server)
        self.service_names = list(register(self.server))
        reflection.enable_server_reflection(
            [*self.service_names, health.SERVICE_NAME, reflection.SERVICE_NAME], self.server
        )
        self.port = self.server.add_insecure_port(f"{settings.grpc_host}:{settings.grpc_port}")

    def start(self) -> None:
        self.server.start()
        for name in ["", *self.service_names]:
            self.health.set(name, health_pb2.HealthCheckResponse.SERVING)
        metrics.PROCESS_READY.labels(self.settings.service, self.settings.process).set(1)

    def stop(self, grace: float | None = None) -> None:
        metrics.PROCESS_READY.labels(self.settings.service, self.settings.process).set(0)
        self.health.enter_graceful_shutdown()
        self.server.stop(self.settings.shutdown_grace_seconds if grace is None else grace).wait()


def serve(settings: Settings, register: Registrar) -> None:
    """Run the api process until SIGTERM or SIGINT, then drain and exit."""
    metrics.serve_metrics(settings.metrics_port)
    app = GrpcApp(settings, register)
    app.start()
    log.info("gRPC api listening", extra={"port": app.port, "services": app.service_names})
    stopping = threading.Event()

    def on_signal(signum: int, _frame: object) -> None:
        log.info("signal %s received, draining", signum)
        stopping.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    stopping.wait()
    app.stop()
    log.info("gRPC api stopped")
