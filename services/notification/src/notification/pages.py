"""A page of a list, newest first, and its cursor: what every list use case returns."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Generic, Protocol, TypeVar

from crm_runtime.paging import encode_position


class Dated(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def created_at(self) -> datetime: ...


T = TypeVar("T", bound=Dated)


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str  # "" on the last page


def page_of(found: list[T], size: int) -> Page[T]:
    """The page of `found`, read with one more than `size` to learn whether more follow."""
    items = found[:size]
    last = items[-1] if len(found) > size and items else None
    return Page(items, encode_position(last.created_at, last.id) if last else "")
