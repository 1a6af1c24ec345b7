"""Relay cursor connections over keyset queries: opaque cursors, `first` ≤ 100, default 20."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Generic, TypeVar
from uuid import UUID

import strawberry

from api.errors import BadUserInput
from api.extensions import MAX_PAGE_SIZE

DEFAULT_PAGE_SIZE = 20
T = TypeVar("T")
R = TypeVar("R")


# Cursors are encoded only when asked for: most pages are read without them.
@strawberry.type
class Edge(Generic[T]):
    node: T
    row: strawberry.Private[Any]
    to_cursor: strawberry.Private[Callable[[Any], str]]

    @strawberry.field
    def cursor(self) -> str:
        return self.encoded_cursor()

    def encoded_cursor(self) -> str:
        return self.to_cursor(self.row)


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    first_edge: strawberry.Private[Edge[Any] | None]
    last_edge: strawberry.Private[Edge[Any] | None]

    @strawberry.field
    def start_cursor(self) -> str | None:
        return self.first_edge.encoded_cursor() if self.first_edge is not None else None

    @strawberry.field
    def end_cursor(self) -> str | None:
        return self.last_edge.encoded_cursor() if self.last_edge is not None else None


@strawberry.type
class Connection(Generic[T]):
    edges: list[Edge[T]]
    page_info: PageInfo


def page_size(first: int | None) -> int:
    """The page size asked for; literals above the limit already failed validation, variables fail here."""
    size = DEFAULT_PAGE_SIZE if first is None else first
    if not 0 <= size <= MAX_PAGE_SIZE:
        raise BadUserInput(f"first must be between 0 and {MAX_PAGE_SIZE}.")
    return size


def encode_cursor(*values: Any) -> str:
    """Keyset values as an opaque cursor; a uuid as its text, a datetime in ISO 8601."""
    raw = json.dumps([_text(v) for v in values], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _text(value: Any) -> Any:
    if isinstance(value, UUID):
        return str(value)
    return value.isoformat() if isinstance(value, datetime) else value


def decode_cursor(cursor: str | None, *kinds: Callable[[Any], Any]) -> tuple[Any, ...] | None:
    """The keyset values of a cursor, converted by `kinds`; BAD_USER_INPUT when it is not one of ours."""
    if cursor is None:
        return None
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(values, list) or len(values) != len(kinds):
            raise ValueError("wrong cursor shape")
        return tuple(kind(value) for kind, value in zip(kinds, values, strict=True))
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError) as exc:
        raise BadUserInput("Invalid cursor.") from exc


def connection(
    rows: Sequence[R], size: int, node: Callable[[R], T], cursor: Callable[[R], str], *, after: str | None
) -> Connection[T]:
    """A page from `size + 1` fetched rows: the extra row only tells that there is a next page."""
    page = rows[:size]
    edges = [Edge(node=node(row), row=row, to_cursor=cursor) for row in page]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=len(rows) > size,
            has_previous_page=after is not None,
            first_edge=edges[0] if edges else None,
            last_edge=edges[-1] if edges else None,
        ),
    )
