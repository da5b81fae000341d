"""The OpenAPI document says what docs/api.md's "Changing" says: every creating POST is
201 (202 for a job) with a Location header and takes an Idempotency-Key; every change
to a versioned resource takes If-Match. A new POST is either creating or an action
named here, so that a route cannot slip past both rules unnoticed."""

from crm_runtime.config import Settings
from gateway.app import create_app
from gateway.conventions.openapi import NO_LOCATION

SPEC = create_app(Settings.from_env("gateway", "gateway", {})).openapi()

# POSTs that create nothing: actions on a resource, questions, and signing in and out.
ACTIONS = (
    "claim",
    "release",
    "assign",
    "status",
    "merge",
    "stage",
    "won",
    "lost",
    "reopen",
    "issue",
    "decision",
    "reach-milestone",
    "write-off",
    "dispute",
    "resolve-dispute",
    "auto-match",
    "submit",
    "send-for-signature",
    "sign",
    "complete",
    "terminate",
    "rotate-secret",
)
NOT_CREATING = {
    "/v1/lead-duplicate-checks": "a question: which leads would this capture duplicate?",
    "/v1/auth/sign-in": "hands out tokens (ADR 12: no Idempotency-Key)",
    "/v1/auth/refresh": "hands out tokens",
    "/v1/auth/sign-out": "ends a session",
    "/v1/me/password": "changes the caller's password",
}
# Changes to something without a version of its own, each for its reason.
UNVERSIONED = {
    ("put", "/v1/lead-reps/{rep_id}"): "a rep's routing entry, upserted by its user id",
    ("delete", "/v1/api-keys/{key_id}"): "a key is issued once and only revoked",
    ("post", "/v1/approvals/{approval_id}/decision"): "decided once; a decision_key repeats it",
    ("post", "/v1/contracts/{contract_id}/approval-steps/{step_id}/decision"): (
        "a step is decided once; a second decider gets 409"
    ),
}


def _posts():
    for path, item in SPEC["paths"].items():
        if path.startswith("/v1/") and "post" in item:
            yield path, item["post"]


def _creating(path: str) -> bool:
    return path not in NOT_CREATING and path.rsplit("/", 1)[-1] not in ACTIONS


def test_every_creating_post_is_201_or_202_with_a_location():
    creating = [path for path, _ in _posts() if _creating(path)]
    assert "/v1/leads/{lead_id}/convert" in creating and len(creating) >= 17
    for path, operation in _posts():
        answers = {s for s in operation["responses"] if s.startswith("2")}
        if not _creating(path):
            assert answers <= {"200", "204"}, path
            continue
        assert answers in ({"201"}, {"202"}), (path, answers)
        if path in NO_LOCATION:
            continue
        headers = operation["responses"][answers.pop()].get("headers", {})
        assert headers.get("Location", {}).get("required") is True, path


def test_every_creating_post_takes_an_idempotency_key():
    for path, operation in _posts():
        names = {p["name"] for p in operation.get("parameters", [])}
        if _creating(path):
            assert "Idempotency-Key" in names, path


def test_every_change_to_a_versioned_resource_takes_if_match():
    for path, item in SPEC["paths"].items():
        for method, operation in item.items():
            action = method == "post" and path.rsplit("/", 1)[-1] in (*ACTIONS, "revisions")
            if not path.startswith("/v1/") or (
                method not in ("patch", "put", "delete") and not action
            ):
                continue
            names = {p["name"] for p in operation.get("parameters", [])}
            if (method, path) in UNVERSIONED:
                assert "If-Match" not in names, (method, path)
            else:
                assert "If-Match" in names and "412" in operation["responses"], (method, path)
