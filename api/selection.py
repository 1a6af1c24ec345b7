"""What an operation selects below a field, for resolvers that load up front what will be asked.

Read from graphql-core's syntax tree, not from strawberry's `info.selected_fields` (which converts
the whole selection, arguments and variables included, on every request), and kept per field
node: the parser cache hands every request of the same document the same nodes.
"""

from __future__ import annotations

from typing import Any

from graphql import FieldNode, FragmentSpreadNode, InlineFragmentNode, SelectionSetNode

# Field names (aliases ignored, fragments flattened) -> what is selected below each.
Selected = dict[str, "Selected"]

_MAX_CACHED = 1024
_cache: dict[tuple[int, tuple[str, ...]], tuple[FieldNode, Selected]] = {}


def selected_below(info: Any, *path: str) -> Selected:
    """The fields selected at `path` below the resolving field (names, aliases ignored, through fragments).

    `selected_below(info, "edges", "node")` in the feed's resolver are the fields asked of each
    node. Directives are not evaluated: a field under @skip counts as selected.
    """
    raw = info._raw_info
    node: FieldNode = raw.field_nodes[0]
    key = (id(node), path)
    found = _cache.get(key)
    if found is not None and found[0] is node:  # the same node, not a new one at a reused address
        return found[1]
    fields = _merged(raw.field_nodes, raw.fragments)
    for name in path:
        fields = fields.get(name, {})
    if len(_cache) >= _MAX_CACHED:
        _cache.clear()
    _cache[key] = (node, fields)  # the cached entry keeps the node alive
    return fields


def _merged(nodes: list[FieldNode], fragments: dict[str, Any]) -> Selected:
    merged: Selected = {}
    for node in nodes:
        if node.selection_set is not None:
            _collect(node.selection_set, fragments, merged)
    return merged


def _collect(selection_set: SelectionSetNode, fragments: dict[str, Any], into: Selected) -> None:
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            below = into.setdefault(selection.name.value, {})
            if selection.selection_set is not None:
                _collect(selection.selection_set, fragments, below)
        elif isinstance(selection, InlineFragmentNode):
            _collect(selection.selection_set, fragments, into)
        elif isinstance(selection, FragmentSpreadNode) and selection.name.value in fragments:
            _collect(fragments[selection.name.value].selection_set, fragments, into)
