"""What an operation selects below a field, for resolvers that load up front what will be asked."""

from __future__ import annotations

from collections.abc import Iterable

from strawberry.types.nodes import SelectedField, Selection


def selected(selections: Iterable[Selection], *path: str) -> list[SelectedField]:
    """The fields selected at `path` (field names, aliases ignored) below `selections`, through fragments.

    `selected(info.selected_fields, "feed", "edges", "node")` are the fields asked of each node of
    the feed. Directives are not evaluated: a field under @skip counts as selected.
    """
    fields = _fields(selections)
    for name in path:
        fields = [inner for field in fields if field.name == name for inner in _fields(field.selections)]
    return fields


def _fields(selections: Iterable[Selection]) -> list[SelectedField]:
    found: list[SelectedField] = []
    for selection in selections:
        if isinstance(selection, SelectedField):
            found.append(selection)
        else:
            found += _fields(selection.selections)
    return found
