"""The span file that every local process appends to keeps whole lines, even when the
processes write big batches at once, and text that is not valid Unicode (a lone
surrogate from a fuzzed URL) is escaped instead of failing the batch."""

import json
import multiprocessing

from crm_runtime.telemetry import JsonLinesSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import SpanContext


def _spans(writer: int, count: int) -> list[ReadableSpan]:
    resource = Resource.create({"service.name": f"writer-{writer}"})
    return [
        ReadableSpan(
            name=f"span {i}",
            context=SpanContext(trace_id=writer + 1, span_id=i + 1, is_remote=False),
            resource=resource,
            attributes={
                "path": "/v1/\\u00e9/" + "线索" * 400,
                "odd": "\udc80 \u2028 \x85 odd text",
            },
        )
        for i in range(count)
    ]


def _export(path: str, writer: int) -> None:
    exporter = JsonLinesSpanExporter(path)
    for _ in range(10):
        exporter.export(_spans(writer, 30))


def test_concurrent_processes_never_break_a_line(tmp_path):
    path = str(tmp_path / "spans.jsonl")
    context = multiprocessing.get_context("fork")
    writers = [context.Process(target=_export, args=(path, w)) for w in range(4)]
    for process in writers:
        process.start()
    for process in writers:
        process.join(30)
    with open(path, encoding="utf-8") as spans:
        lines = spans.read().split("\n")[:-1]
    assert len(lines) == 4 * 10 * 30
    assert {json.loads(line)["service"] for line in lines} == {f"writer-{w}" for w in range(4)}
