"""Cursor paging parameters shared by every list route: `limit`, `cursor` in; the
page's items and `next_cursor` ("" on the last page) out."""

from __future__ import annotations

from typing import Annotated

from crm_runtime.paging import DEFAULT_LIMIT, MAX_LIMIT
from fastapi import Query
from pydantic import StringConstraints

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description=f"Items per page, 1 to {MAX_LIMIT}")]
Cursor = Annotated[
    str,
    Query(max_length=512, description="`next_cursor` of the previous page; empty for the first"),
]
DEFAULT = DEFAULT_LIMIT
# A list filter given as a repeated query parameter (`?tag=a&tag=b`), at most 20 values.
Many = Query(default_factory=list, max_length=20)
# A value of such a filter where the service takes 1 to 100 characters (ids, names, tags).
Value = Annotated[str, StringConstraints(min_length=1, max_length=100)]
IncludeRevoked = Annotated[
    bool,
    Query(description="Also list revoked items (gone for every other route, kept for audit)"),
]
