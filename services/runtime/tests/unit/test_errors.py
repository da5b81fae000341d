import grpc
import pytest
from crm_runtime import errors
from crm_runtime.rpc.errors import STALE_VERSION, code_for, to_status
from google.rpc import error_details_pb2
from grpc_status import rpc_status


@pytest.mark.parametrize(
    ("exc", "code"),
    [
        (
            errors.ValidationFailed([errors.FieldViolation("name", "is required")]),
            grpc.StatusCode.INVALID_ARGUMENT,
        ),
        (errors.NotFound("x"), grpc.StatusCode.NOT_FOUND),
        (errors.AlreadyExists("x"), grpc.StatusCode.ALREADY_EXISTS),
        (errors.Conflict("x"), grpc.StatusCode.ABORTED),
        (errors.FailedPrecondition("x"), grpc.StatusCode.FAILED_PRECONDITION),
        (errors.PermissionDenied("x"), grpc.StatusCode.PERMISSION_DENIED),
        (errors.Unauthenticated("x"), grpc.StatusCode.UNAUTHENTICATED),
    ],
)
def test_each_domain_error_has_one_status_code(exc, code):
    assert code_for(exc) is code


def test_validation_failure_carries_every_field_violation():
    exc = errors.ValidationFailed(
        [
            errors.FieldViolation("phone", "is not a phone number"),
            errors.FieldViolation("source", "unknown"),
        ]
    )
    status = to_status(exc)
    assert status.code is grpc.StatusCode.INVALID_ARGUMENT
    details = dict(status.trailing_metadata)["grpc-status-details-bin"]
    proto = rpc_status.status_pb2.Status.FromString(details)
    bad_request = error_details_pb2.BadRequest()
    proto.details[0].Unpack(bad_request)
    assert [(v.field, v.description) for v in bad_request.field_violations] == [
        ("phone", "is not a phone number"),
        ("source", "unknown"),
    ]
    assert "phone: is not a phone number" in exc.message


def test_validation_needs_a_violation():
    with pytest.raises(ValueError):
        errors.ValidationFailed([])


def test_a_stale_version_is_a_conflict_that_names_the_current_version():
    exc = errors.StaleVersion("lead 7", 4, 3)
    status = to_status(exc)
    assert status.code is grpc.StatusCode.ABORTED and "at version 4, not 3" in exc.message
    details = dict(status.trailing_metadata)["grpc-status-details-bin"]
    info = error_details_pb2.ErrorInfo()
    rpc_status.status_pb2.Status.FromString(details).details[0].Unpack(info)
    assert (info.reason, dict(info.metadata)) == (STALE_VERSION, {"current_version": "4"})
    plain = dict(to_status(errors.Conflict("a slot was taken")).trailing_metadata)
    assert not rpc_status.status_pb2.Status.FromString(plain["grpc-status-details-bin"]).details


def test_a_version_is_checked_only_when_one_is_expected():
    errors.check_version("quote Q-1", 3, 0)
    errors.check_version("quote Q-1", 3, 3)
    with pytest.raises(errors.StaleVersion) as stale:
        errors.check_version("quote Q-1", 3, 2)
    assert stale.value.current_version == 3


def test_a_status_fits_the_trailers_a_client_accepts_whatever_the_input_echoed():
    """A client refuses trailers over 16 KiB: 300 violations echoing long Chinese input
    keep the first ones in full and say how many more there were."""
    echoed = "需求确认书" * 100
    exc = errors.ValidationFailed(
        [errors.FieldViolation(f"stages[{i}].name", f"{echoed} is too long") for i in range(300)]
    )
    status = to_status(exc)
    trailers = dict(status.trailing_metadata)
    details = trailers["grpc-status-details-bin"]
    assert len(details) * 4 / 3 < 10_000  # base64 on the wire
    assert len(status.details.encode()) * 9 < 16_384  # percent-encoded at worst
    proto = rpc_status.status_pb2.Status.FromString(details)
    bad_request = error_details_pb2.BadRequest()
    proto.details[0].Unpack(bad_request)
    shown = bad_request.field_violations
    assert 5 < len(shown) < 300 and shown[0].field == "stages[0].name"
    assert shown[0].description.endswith("…") and len(shown[0].description) == 200
    assert status.details.endswith(f"({300 - len(shown)} more not shown)")


def test_a_thousand_violations_fit_in_one_trailer():
    exc = errors.ValidationFailed(
        [
            errors.FieldViolation(f"lines[{i}].quantity", "must be more than 0 " * 50)
            for i in range(1000)
        ]
    )
    status = to_status(exc)
    details = dict(status.trailing_metadata)["grpc-status-details-bin"]
    assert len(details) + len(status.details) < 16384  # a peer refuses trailers past 16 KiB
    bad_request = error_details_pb2.BadRequest()
    rpc_status.status_pb2.Status.FromString(details).details[0].Unpack(bad_request)
    first = bad_request.field_violations[0]
    assert first.field == "lines[0].quantity" and len(bad_request.field_violations) < 1000
    assert "and 995 more" in exc.message
