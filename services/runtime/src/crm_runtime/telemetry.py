"""Tracing and logging set up once per process.

Traces go to an OTLP/HTTP collector when OTEL_EXPORTER_OTLP_ENDPOINT is set (HTTP, not
gRPC, because workers run under eventlet where grpcio does not work), and to a JSON-lines
file when CRM_TRACE_FILE is set (the local stack and the end-to-end test read it).
Nothing breaks when neither is configured. Logs are JSON with trace and span ids.
"""

from __future__ import annotations

import json
import logging
import sys
import threading
from collections.abc import Mapping, Sequence
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult
from pythonjsonlogger.json import JsonFormatter

from crm_runtime.config import Settings


class JsonLinesSpanExporter(SpanExporter):
    """Appends one compact JSON object per finished span to a file."""

    def __init__(self, path: str) -> None:
        self._path = path
        self._lock = threading.Lock()

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        lines = []
        for span in spans:
            ctx = span.get_span_context()
            parent = span.parent
            lines.append(
                json.dumps(
                    {
                        "name": span.name,
                        "trace_id": format(ctx.trace_id, "032x") if ctx else "",
                        "span_id": format(ctx.span_id, "016x") if ctx else "",
                        "parent_id": format(parent.span_id, "016x") if parent else "",
                        "service": span.resource.attributes.get("service.name", ""),
                        "process": span.resource.attributes.get("crm.process", ""),
                        "kind": str(span.kind),
                        "start": span.start_time,
                        "end": span.end_time,
                        "status": str(span.status.status_code),
                        "attributes": {k: _plain(v) for k, v in (span.attributes or {}).items()},
                    },
                    ensure_ascii=False,
                )
            )
        # A fuzzed URL can carry a lone surrogate, which UTF-8 cannot encode: escape it
        # rather than lose the batch.
        with self._lock, open(self._path, "a", encoding="utf-8", errors="backslashreplace") as out:
            out.write("\n".join(lines) + "\n")
        return SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        return None


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


class _TraceIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        ctx = trace.get_current_span().get_span_context()
        record.trace_id = format(ctx.trace_id, "032x") if ctx.is_valid else ""
        record.span_id = format(ctx.span_id, "016x") if ctx.is_valid else ""
        return True


def setup_logging(settings: Settings) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        JsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s %(trace_id)s %(span_id)s",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            static_fields={"service": settings.service, "process": settings.process},
        )
    )
    handler.addFilter(_TraceIdFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level)


def setup_tracing(settings: Settings) -> TracerProvider:
    resource = Resource.create({"service.name": settings.service, "crm.process": settings.process})
    provider = TracerProvider(resource=resource)
    if settings.otlp_endpoint:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    if settings.trace_file:
        provider.add_span_processor(
            BatchSpanProcessor(
                JsonLinesSpanExporter(settings.trace_file), schedule_delay_millis=200
            )
        )
    trace.set_tracer_provider(provider)
    return provider


def setup_telemetry(settings: Settings) -> TracerProvider:
    setup_logging(settings)
    return setup_tracing(settings)


def current_trace_headers() -> dict[str, str]:
    """The W3C trace context of the current span, as headers to carry onward."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier


def context_from_headers(headers: Mapping[str, Any]) -> otel_context.Context:
    carrier = {k: v for k, v in headers.items() if isinstance(v, str)}
    return propagate.extract(carrier)
