"""Document shapes nobody writes but attackers do, refused right after parsing with one error.

- The same field written more than MAX_DUPLICATE_FIELDS times in one selection set (graphql-cop's
  "field duplication": `{ __typename __typename ... }` × 500 merges into one field, but every
  copy is still validated and merged, quadratic work for the server).
- More than MAX_DIRECTIVES_PER_NODE directives on one field or fragment (graphql-cop's
  "directive overloading": `@aa@aa@aa...`, each reported as its own validation error).

Refusing right after parsing, before validation (api/limits/documents.py), answers with a single
error instead of one per copy.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from graphql import DocumentNode, ExecutableDefinitionNode, FieldNode, SelectionSetNode

MAX_DUPLICATE_FIELDS = 3
MAX_DIRECTIVES_PER_NODE = 4


def shape_problem(document: DocumentNode) -> str | None:
    for definition in document.definitions:
        if isinstance(definition, ExecutableDefinitionNode):
            if len(definition.directives or ()) > MAX_DIRECTIVES_PER_NODE:
                return f"At most {MAX_DIRECTIVES_PER_NODE} directives on one definition."
            problem = _selection_problem(definition.selection_set)
            if problem is not None:
                return problem
    return None


def _selection_problem(selection_set: SelectionSetNode | None) -> str | None:
    for selections in _selection_sets(selection_set):
        keys = Counter(
            (s.alias or s.name).value for s in selections.selections if isinstance(s, FieldNode)
        ).most_common(1)
        if keys and keys[0][1] > MAX_DUPLICATE_FIELDS:
            return f"Field {keys[0][0]!r} is selected {keys[0][1]} times; at most {MAX_DUPLICATE_FIELDS}."
        for selection in selections.selections:
            if len(selection.directives or ()) > MAX_DIRECTIVES_PER_NODE:
                return f"At most {MAX_DIRECTIVES_PER_NODE} directives on one field or fragment."
    return None


def _selection_sets(selection_set: SelectionSetNode | None) -> Iterator[SelectionSetNode]:
    """Every selection set below this one, itself included (iteratively: depth is not limited yet)."""
    stack = [selection_set] if selection_set is not None else []
    while stack:
        current = stack.pop()
        yield current
        for selection in current.selections:
            below: SelectionSetNode | None = getattr(selection, "selection_set", None)
            if below is not None:
                stack.append(below)
