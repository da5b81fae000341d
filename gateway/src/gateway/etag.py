"""ETag / If-Match for resources that people edit concurrently (users, teams, ...).

The ETag is the resource's version, which every write increments. A PATCH carrying
`If-Match` only applies to that version (the store makes it one conditional update);
otherwise it answers 412 with the current ETag, so a second editor never silently
overwrites the first. Without `If-Match` the last write wins, as plain HTTP does.
"""

from __future__ import annotations

import re
from typing import Annotated

from crm_runtime.errors import FieldViolation, ValidationFailed
from fastapi import Header, Response

_TAG = re.compile(r'^(?:W/)?"(\d{1,18})"$')
IF_MATCH = r'^\s*(\*|(W/)?"\d{1,18}")\s*$'

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
