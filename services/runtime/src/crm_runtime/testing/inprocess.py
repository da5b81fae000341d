"""An in-process gRPC server on port 0 for servicer tests, built by the real serve()."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import grpc

from crm_runtime.config import Settings
from crm_runtime.rpc.server import GrpcApp, Registrar


@contextmanager
def grpc_channel(settings: Settings, register: Registrar) -> Iterator[grpc.Channel]:
    app = GrpcApp(settings, register, max_workers=8)
    app.start()
    try:
        with grpc.insecure_channel(f"127.0.0.1:{app.port}") as channel:
            yield channel
    finally:
        app.stop(grace=0)
