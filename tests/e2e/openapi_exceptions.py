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
        "created_at_from must be before created_at_to; instants are 1970 to 2100",
        "GET",
        "/v1/leads",
    ),
    Exception_(
        ACCEPTANCE,
        "created_at_from must be before created_at_to; instants are 1970 to 2100",
        "GET",
        "/v1/leads.csv",
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
MAX_CURSOR = 512


@schemathesis.hook
def before_call(ctx: Any, case: Any, kwargs: dict[str, Any]) -> None:
    """- A valid Idempotency-Key becomes a fresh one for every request, as a client sends
      it: schemathesis repeats a generated key with other bodies, which the API rightly
      refuses (422, docs/api.md).
    - A cursor of the allowed length becomes "" (the first page): cursors are opaque,
      only one the API issued reads a page, and the document cannot list them.
    Values the document forbids are left as generated, to be refused, and a case that
    leaves out a required header (Authorization) is sent as generated: changing its
    headers would send the credential again."""
    data = getattr(getattr(case.meta, "phase", None), "data", None)
    if "missing" in str(getattr(data, "scenario", "")).lower():
        return
    headers = case.headers or {}
    if _VALID_KEY.match(str(headers.get(IDEMPOTENCY_KEY, ""))):
        headers[IDEMPOTENCY_KEY] = f"fuzz-{uuid.uuid4().hex}"
    query = case.query or {}
    if isinstance(query.get("cursor"), str) and len(query["cursor"]) <= MAX_CURSOR:
        query["cursor"] = ""
