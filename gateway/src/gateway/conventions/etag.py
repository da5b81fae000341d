"""ETag / If-Match, one way for every versioned resource (docs/api.md, "Changing").

The ETag is the resource's version, which every write increments. A change carrying
`If-Match` only applies to that version; otherwise it answers 412 with the current ETag
and writes nothing, so a second editor never silently overwrites the first. Without
`If-Match` the change applies to the current version, as plain HTTP does. The gateway's
own stores check the version in one conditional update (PreconditionFailed); for a
service the route passes the version on as the request's `expected_version`, and the
service's StaleVersion comes back as 412 through the problem mapping.
"""

from __future__ import annotations

import re
from typing import Annotated

from crm_runtime.errors import FieldViolation, ValidationFailed
from fastapi import Header, Response

_TAG = re.compile(r'^(?:W/)?"([1-9]\d{0,17})"$')  # versions start at 1
IF_MATCH = r'^\s*(\*|(W/)?"[1-9]\d{0,17}")\s*$'

IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        max_length=64,
        description='Apply the change only to this version: the ETag a GET returned, e.g. `"3"`',
        # Declared, and checked by expected_version() with a message of its own.
        json_schema_extra={"pattern": IF_MATCH},
    ),
]


def etag(version: int) -> str:
    return f'"{version}"'


def set_etag(response: Response, version: int) -> None:
    response.headers["ETag"] = etag(version)


def expected_version(if_match: str | None) -> int | None:
    """The version an If-Match header asks for; None when any version will do."""
    if if_match is None or if_match.strip() == "*":
        return None
    found = _TAG.match(if_match.strip())
    if found is None:
        raise ValidationFailed([FieldViolation("If-Match", 'must be an ETag such as "3"')])
    return int(found.group(1))


def if_match_version(if_match: str | None) -> int:
    """The version to pass on as a request's `expected_version`: 0 when any will do."""
    return expected_version(if_match) or 0
