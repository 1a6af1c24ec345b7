"""selected_below: field names below a resolving field, through aliases and fragments, kept per node."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from graphql import FieldNode, FragmentDefinitionNode, OperationDefinitionNode, parse

from api.selection import selected_below

DOCUMENT = """
query {
  feed(first: 2) {
    edges { node { id mine: creator { handle } ...Parts ... on Video { licenses { review } } } }
  }
}
fragment Parts on Video { characters { name } licenses { character { name } } }
"""


def info_of(document: str) -> Any:
    parsed = parse(document)
    operation = next(d for d in parsed.definitions if isinstance(d, OperationDefinitionNode))
    fragments = {d.name.value: d for d in parsed.definitions if isinstance(d, FragmentDefinitionNode)}
    field = operation.selection_set.selections[0]
    assert isinstance(field, FieldNode)
    return SimpleNamespace(_raw_info=SimpleNamespace(field_nodes=[field], fragments=fragments))


def test_names_below_a_path_through_aliases_and_fragments() -> None:
    asked = selected_below(info_of(DOCUMENT), "edges", "node")
    assert asked == {
        "id": {},
        "creator": {"handle": {}},
        "characters": {"name": {}},
        "licenses": {"character": {"name": {}}, "review": {}},
    }
    assert selected_below(info_of(DOCUMENT), "edges", "missing") == {}


def test_kept_per_node_and_never_mixed_up() -> None:
    info = info_of(DOCUMENT)
    assert selected_below(info, "edges", "node") is selected_below(info, "edges", "node")
    other = info_of(DOCUMENT.replace("mine: creator { handle }", ""))
    assert "creator" not in selected_below(other, "edges", "node")
