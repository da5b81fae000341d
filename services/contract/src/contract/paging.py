"""One page of a list over the storage seam: ask for one more than the page, and the
cursor of the last item answered when another page follows."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from crm_runtime.paging import page_limit
from crm_runtime.storage.repository import SortKey

T = TypeVar("T")


def one_page(
    sort: SortKey,
    limit: int,
    cursor: str,
    fetch: Callable[[int, tuple[Any, str] | None], list[T]],
    position: Callable[[T], dict[str, Any]],
) -> tuple[list[T], str]:
    size = page_limit(limit)
    found = fetch(size + 1, sort.decode(cursor))
    page = found[:size]
    return page, sort.encode(position(page[-1])) if len(found) > size else ""
