"""Every exception the schemathesis run (tests/e2e/test_openapi_fuzz.py) makes, with its
reason: one place, so that the list only shrinks. An entry switches one check off for
the operations it names; every other check still runs on them, and every check on every
other operation. A rule that can be declared in the document is declared there instead.

Most entries are `positive_data_acceptance` (a request the document allows must not be
refused): they are rules JSON Schema cannot state, because they span several fields or
parameters, or because the domain checks a value against the world (a check character,
a real phone number, a date that exists)."""

from __future__ import annotations

import re
import uuid
from typing import Any, NamedTuple

import schemathesis

ACCEPTANCE = "positive_data_acceptance"
WHOLE_OPERATION = "*"  # the operation is left out of the run


# A NamedTuple rather than a dataclass: schemathesis loads this file as hooks without
# registering it as a module, which dataclasses need.
class Exception_(NamedTuple):
    """`check` is off for `method` `path`, for `reason`."""

    check: str
    reason: str
    method: str
    path: str


EXCEPTIONS: tuple[Exception_, ...] = (
    Exception_(
        ACCEPTANCE,
        "a template's merge-field and clause keys are unique within it, and clause text names "
        "only its declared merge fields ({{key}}): rules across items of two lists",
        "POST",
        "/v1/contract-templates",
    ),
    Exception_(
        ACCEPTANCE,
        "as when creating: unique keys, and clause text naming only declared merge fields",
        "PATCH",
        "/v1/contract-templates/{template_id}",
    ),
    Exception_(
        ACCEPTANCE,
        "an opportunity_id or an account_id (with lines) names the source; instalments add up "
        "to 100 % or to the value, each a percent or an amount, due_days by due_kind; the "
        "template, deal and account must exist: rules across fields and against data",
        "POST",
        "/v1/contracts",
    ),
    Exception_(
        ACCEPTANCE,
        "instalments add up to 100 % or to the contract value, each a percent or an amount, "
        "due_days by due_kind; end_date not before start_date: rules across fields",
        "PATCH",
        "/v1/contracts/{contract_id}",
    ),
    Exception_(
        ACCEPTANCE,
        "both parties sign (a customer and a supplier among the signatories), on a date that "
        "exists and is not in the future",
        "POST",
        "/v1/contracts/{contract_id}/sign",
    ),
    Exception_(
        ACCEPTANCE,
        "value_from must not be above value_to (two parameters), and a date must exist "
        "(2026-02-31 fits the pattern)",
        "GET",
        "/v1/contracts",
    ),
    Exception_(
        ACCEPTANCE,
        "each role has one rule, and each rule a condition (always, min_value, ...): rules "
        "across the items of the list and the fields of an item",
        "PUT",
        "/v1/contract-approval-policy",
    ),
    Exception_(
        ACCEPTANCE,
        "probability_min must not be above probability_max, nor amount_min above amount_max: "
        "rules between two parameters, which a schema cannot state",
        "GET",
        "/v1/opportunities",
    ),
    Exception_(
        ACCEPTANCE,
        "manager_id must name a person of the tenant: a reference to data that exists",
        "PATCH",
        "/v1/teams/{team_id}",
    ),
    Exception_(
        ACCEPTANCE,
        "team_id must name a team of the tenant, and an admin may not take away their own admin role (they would lock themselves out)",
        "PATCH",
        "/v1/users/{user_id}",
    ),
    Exception_(
        ACCEPTANCE,
        "team_id must name a team of the tenant: a reference to data that exists, which a schema cannot know",
        "POST",
        "/v1/api-keys",
    ),
    Exception_(
        ACCEPTANCE,
        "team_id must name a team of the tenant: a reference to data that exists",
        "POST",
        "/v1/users",
    ),
    Exception_(
        ACCEPTANCE,
        "manager_id must name a person of the tenant: a reference to data that exists",
        "POST",
        "/v1/teams",
    ),
    Exception_(
        ACCEPTANCE,
        "fields must name lead fields or the tenant's own custom fields, which the tenant defines at run time",
        "POST",
        "/v1/lead-forms",
    ),
    Exception_(
        ACCEPTANCE,
        "custom_fields are typed and required by the tenant's own definitions (PUT /v1/lead-custom-fields, which the fuzzer also calls), not by the document",
        "POST",
        "/v1/leads",
    ),
    Exception_(
        ACCEPTANCE,
        "header_map is a JSON object of strings carried in one query parameter; a parameter's schema cannot state JSON inside a string",
        "POST",
        "/v1/lead-imports",
    ),
    Exception_(
        ACCEPTANCE,
        "current_password must be the caller's password: a secret no document can hold",
        "POST",
        "/v1/me/password",
    ),
    Exception_(
        WHOLE_OPERATION,
        "Links inferred from Location headers lead the stateful phase to issue a second "
        "admin key, then revoke the key it runs with (a legitimate act: it is no longer the "
        "last admin credential), which answers every later request 401. Revocation is "
        "tested in gateway/tests/integration (test_api_keys, test_last_admin_credential)",
        "DELETE",
        "/v1/api-keys/{key_id}",
    ),
    Exception_(
        ACCEPTANCE,
        "The unified social credit code is normalised (NFKC, upper case, spaces and hyphens "
        "dropped), then must be 18 characters of GB 32100 with a valid check character",
        "GET",
        "/v1/account-duplicates",
    ),
    Exception_(
        ACCEPTANCE,
        "day_from must not be after day_to and the range at most a year; a pattern cannot "
        "refuse February 30th",
        "GET",
        "/v1/analytics/leads/summary",
    ),
    Exception_(
        ACCEPTANCE,
        "created_on_from must not be after created_on_to and the range at most a year; a "
        "pattern cannot refuse February 30th; without pipeline_id the tenant must have a "
        "default pipeline, data that exists",
        "GET",
        "/v1/analytics/funnel",
    ),
    Exception_(
        ACCEPTANCE,
        "closed_date_from must not be after closed_date_to and the range at most a year; a "
        "pattern cannot refuse February 30th",
        "GET",
        "/v1/analytics/results",
    ),
    Exception_(
        ACCEPTANCE,
        "created_on_from must not be after created_on_to and the range at most a year; a "
        "pattern cannot refuse February 30th",
        "GET",
        "/v1/analytics/activity",
    ),
    Exception_(
        ACCEPTANCE,
        "created_on_from must not be after created_on_to and the range at most a year; a "
        "pattern cannot refuse February 30th",
        "GET",
        "/v1/analytics/lead-conversion",
    ),
    Exception_(
        ACCEPTANCE,
        "due_date_from must not be after due_date_to and the range at most a year; a "
        "pattern cannot refuse February 30th",
        "GET",
        "/v1/analytics/cash",
    ),
    Exception_(
        ACCEPTANCE,
        "created_at_from must not be after created_at_to; instants are 1970 to 2100",
        "GET",
        "/v1/leads",
    ),
    Exception_(
        ACCEPTANCE,
        "created_at_from must not be after created_at_to; instants are 1970 to 2100",
        "GET",
        "/v1/leads.csv",
    ),
    Exception_(
        ACCEPTANCE,
        "received_at_from / received_at_to are instants 1970 to 2100, as on every list",
        "GET",
        "/v1/receipts",
    ),
    Exception_(
        ACCEPTANCE,
        "warm_threshold must be below hot_threshold and recycle_after_days longer than "
        "cadence_days, including the values already stored",
        "PATCH",
        "/v1/lead-settings",
    ),
    Exception_(
        ACCEPTANCE,
        "A pipeline's stages: exactly one won (probability 100) and one lost (0), at least "
        "one open, keys unique; names are 1 to 100 characters once spaces are folded",
        "POST",
        "/v1/pipelines",
    ),
    Exception_(
        ACCEPTANCE,
        "As POST /v1/pipelines",
        "PUT",
        "/v1/pipelines/{pipeline_id}",
    ),
    Exception_(
        ACCEPTANCE,
        "Rule names must be unique within the list",
        "PUT",
        "/v1/lead-assignment-rules",
    ),
    Exception_(
        ACCEPTANCE,
        "Which attributes a definition may carry depends on its kind (max_length on text, "
        "choices on choice fields), and keys must be unique",
        "PUT",
        "/v1/lead-custom-fields",
    ),
    Exception_(
        ACCEPTANCE,
        "url must resolve to public addresses (SSRF, ADR 31) and event_types must name events "
        "of the catalogue (GET /v1/webhook-event-types): the world and the service's data",
        "POST",
        "/v1/webhook-endpoints",
    ),
    Exception_(
        ACCEPTANCE,
        "url must resolve to public addresses and event_types must name catalogued events",
        "PATCH",
        "/v1/webhook-endpoints/{endpoint_id}",
    ),
    Exception_(
        ACCEPTANCE,
        "url must resolve to public addresses (SSRF) and kinds must name notification kinds "
        "the service knows",
        "POST",
        "/v1/chat-robots",
    ),
    Exception_(
        ACCEPTANCE,
        "url must resolve to public addresses and kinds must name known notification kinds",
        "PATCH",
        "/v1/chat-robots/{robot_id}",
    ),
    Exception_(
        ACCEPTANCE,
        "sender_address must be an email address by RFC 5322 as email-validator reads it, "
        "which a JSON Schema pattern cannot state",
        "PUT",
        "/v1/email-settings",
    ),
    Exception_(
        ACCEPTANCE,
        "address must be an email address (email-validator), which a pattern cannot state",
        "PUT",
        "/v1/me/email-address",
    ),
)

# Beside the default statuses schemathesis accepts for a request the document allows
# (2xx, 3xx, 401, 403, 404, 409, 429, 5xx, the last caught by not_a_server_error): 412,
# an If-Match of the right form naming a version that is not the current one. Like 404
# and 409, it depends on the state, not on the request's form.
ACCEPTED_STATUSES = ("2xx", "3xx", "401", "403", "404", "409", "412", "429", "5xx")

# One hook stands in for two exceptions, so that the operations it touches keep every
# check. It runs before every request of every phase.
IDEMPOTENCY_KEY = "Idempotency-Key"
_VALID_KEY = re.compile(r"^[!-~]{1,255}$")
IF_MATCH = "If-Match"
_ETAG = re.compile(r'^\s*(\*|(W/)?"[1-9]\d{0,17}")\s*$')  # the declared pattern
MAX_CURSOR = 512


@schemathesis.hook
def before_call(ctx: Any, case: Any, kwargs: dict[str, Any]) -> None:
    """- A valid Idempotency-Key becomes a fresh one for every request, as a client sends
      it: schemathesis repeats a generated key with other bodies, which the API rightly
      refuses (422, docs/api.md).
    - An If-Match outside the declared ETag form ("0", "null") on a case schemathesis
      calls valid is left out, as a client without a version sends none: its coverage
      phase does not apply a header's pattern, and the 422 that names the header is right.
    - An empty path parameter (which the document forbids) taken by a stateful link
      from a response becomes "0", an id no record has.
    - A cursor of the allowed length becomes "" (the first page): cursors are opaque,
      only one the API issued reads a page, and the document cannot list them.
    Values the document forbids are left as generated, to be refused, and a case that
    leaves out a required header (Authorization) is sent as generated: changing its
    headers would send the credential again."""
    data = getattr(getattr(case.meta, "phase", None), "data", None)
    if "missing" in str(getattr(data, "scenario", "")).lower():
        return
    headers = case.headers or {}
    positive = getattr(getattr(case.meta, "generation", None), "mode", None)
    if str(getattr(positive, "value", "")) == "positive" and not _ETAG.match(
        str(headers.get(IF_MATCH, '"1"'))
    ):
        del headers[IF_MATCH]
    if _VALID_KEY.match(str(headers.get(IDEMPOTENCY_KEY, ""))):
        headers[IDEMPOTENCY_KEY] = f"fuzz-{uuid.uuid4().hex}"
    # A stateful link can carry an empty id out of a response (a lead's opportunity_id
    # before conversion) into a path whose parameter must not be empty: the request then
    # lands on a sibling route (/v1/opportunities/won, 405). Such an id is one no record has.
    for name, value in (case.path_parameters or {}).items():
        if value == "":
            case.path_parameters[name] = "0"
    query = case.query or {}
    if isinstance(query.get("cursor"), str) and len(query["cursor"]) <= MAX_CURSOR:
        query["cursor"] = ""
