"""Domain errors to gRPC status codes, with field violations as google.rpc.BadRequest
and a stale version as google.rpc.ErrorInfo (reason STALE_VERSION, the current version
in its metadata) on an ABORTED status, so that clients tell it from other conflicts.

Defined once; servicers never catch errors themselves.
"""

from __future__ import annotations

from typing import TypeVar

import grpc
from google.protobuf import any_pb2
from google.protobuf.message import Message
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

from crm_runtime import errors

M = TypeVar("M", bound=Message)

CODES: dict[type[errors.DomainError], grpc.StatusCode] = {
    errors.ValidationFailed: grpc.StatusCode.INVALID_ARGUMENT,
    errors.NotFound: grpc.StatusCode.NOT_FOUND,
    errors.AlreadyExists: grpc.StatusCode.ALREADY_EXISTS,
    errors.Conflict: grpc.StatusCode.ABORTED,
    errors.FailedPrecondition: grpc.StatusCode.FAILED_PRECONDITION,
    errors.PermissionDenied: grpc.StatusCode.PERMISSION_DENIED,
    errors.Unauthenticated: grpc.StatusCode.UNAUTHENTICATED,
}

STALE_VERSION = "STALE_VERSION"
# The details travel in one gRPC trailer, which a peer refuses past 16 KiB (a request with
# 500 bad lines failed as RESOURCE_EXHAUSTED, a 429): the first violations, each cut short.
MAX_DETAILS, MAX_TEXT, MAX_MESSAGE = 30, 200, 1000
ERROR_DOMAIN = "crm.example.dev"


def code_for(exc: errors.DomainError) -> grpc.StatusCode:
    for cls in type(exc).__mro__:
        if cls in CODES:
            return CODES[cls]
    return grpc.StatusCode.UNKNOWN


def to_status(exc: errors.DomainError) -> grpc.Status:
    code = code_for(exc)
    status = status_pb2.Status(code=getattr(code_pb2, code.name), message=exc.message[:MAX_MESSAGE])
    if isinstance(exc, errors.ValidationFailed):
        bad_request = error_details_pb2.BadRequest(
            field_violations=[
                error_details_pb2.BadRequest.FieldViolation(
                    field=v.field[:MAX_TEXT], description=v.description[:MAX_TEXT]
                )
                for v in exc.violations[:MAX_DETAILS]
            ]
        )
        detail = any_pb2.Any()
        detail.Pack(bad_request)
        status.details.append(detail)
    if isinstance(exc, errors.StaleVersion):
        info = error_details_pb2.ErrorInfo(
            reason=STALE_VERSION,
            domain=ERROR_DOMAIN,
            metadata={"current_version": str(exc.current_version)},
        )
        detail = any_pb2.Any()
        detail.Pack(info)
        status.details.append(detail)
    return rpc_status.to_status(status)


def _details(error: grpc.RpcError, kind: type[M]) -> list[M]:
    """The details of one kind inside a failed call's status."""
    status = rpc_status.from_call(error)  # type: ignore[arg-type]
    found: list[M] = []
    for detail in status.details if status is not None else ():
        if detail.Is(kind.DESCRIPTOR):
            message = kind()
            detail.Unpack(message)
            found.append(message)
    return found


def field_violations(error: grpc.RpcError) -> list[errors.FieldViolation]:
    """The field violations inside a failed call's status, for clients (the gateway)."""
    return [
        errors.FieldViolation(v.field, v.description)
        for bad_request in _details(error, error_details_pb2.BadRequest)
        for v in bad_request.field_violations
    ]


def stale_version(error: grpc.RpcError) -> int | None:
    """The current version when a call failed because the version it named was stale
    (StaleVersion in the service); None for every other failure."""
    for info in _details(error, error_details_pb2.ErrorInfo):
        if info.reason == STALE_VERSION and info.metadata.get("current_version", "").isdigit():
            return int(info.metadata["current_version"])
    return None
