"""What an operation costs, computed from its document and variables before anything runs.

Two measures, as the large public GraphQL APIs do:

- **nodes** (GitHub's node limit): every connection asks for `first` items (the schema's default
  page when absent); nested connections multiply, so `a(first: 100) { b(first: 100) }` is
  100 + 100 × 100 nodes.
- **points** (Shopify's calculated cost): an object costs 1, a connection 2 + first, a mutation
  field 10; everything inside a connection's nodes is counted once per node asked for. Scalars
  and enums are free.

The *actual* cost counts the items each connection returned (a page that came back short costs
less), so it is never more than the requested cost.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any

import orjson
from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    NamedTypeNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    ValueNode,
    VariableNode,
    get_named_type,
    get_nullable_type,
    is_leaf_type,
)

from api.pagination import DEFAULT_PAGE_SIZE

OBJECT_POINTS = 1
CONNECTION_POINTS = 2
MUTATION_POINTS = 10


@dataclass(frozen=True)
class Cost:
    points: int
    nodes: int


def is_connection(named: GraphQLNamedType) -> bool:
    return isinstance(named, GraphQLObjectType) and named.name.endswith("Connection") and "edges" in named.fields


class _Walk:
    def __init__(
        self,
        schema: GraphQLSchema,
        document: DocumentNode,
        operation: OperationDefinitionNode,
        variables: Mapping[str, Any],
    ) -> None:
        self.args = (schema, document, operation, variables)
        self.schema = schema
        self.fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        defaults = {
            d.variable.name.value: d.default_value for d in operation.variable_definitions or () if d.default_value
        }
        self.variables = {name: _literal(value, {}) for name, value in defaults.items()} | dict(variables)

    def fields(
        self, selection_set: SelectionSetNode | None, parent: GraphQLNamedType
    ) -> Iterator[tuple[FieldNode, GraphQLField]]:
        """The fields selected on `parent`, fragments flattened (every branch of an abstract type)."""
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode):
                owner_fields = parent.fields if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType) else {}
                definition = owner_fields.get(selection.name.value)
                if definition is not None:  # __typename and introspection cost nothing
                    yield selection, definition
                continue
            condition: NamedTypeNode | None
            if isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments.get(selection.name.value)
                if fragment is None:
                    continue
                condition, selections = fragment.type_condition, fragment.selection_set
            else:
                assert isinstance(selection, InlineFragmentNode)
                condition, selections = selection.type_condition, selection.selection_set
            owner = self.schema.get_type(condition.name.value) if condition else parent
            yield from self.fields(selections, owner or parent)

    def argument(self, field: FieldNode, name: str) -> Any:
        for argument in field.arguments or ():
            if argument.name.value == name:
                return _literal(argument.value, self.variables)
        return None

    def page_size(self, field: FieldNode) -> int:
        first = self.argument(field, "first")
        return max(first, 0) if isinstance(first, int) and not isinstance(first, bool) else DEFAULT_PAGE_SIZE

    def list_size(self, field: FieldNode, definition: GraphQLField) -> int:
        """A plain list of objects costs its items when an argument names them (`nodes(ids:)`), else 1."""
        if not isinstance(get_nullable_type(definition.type), GraphQLList):
            return 1
        sizes = [
            len(value) for value in (self.argument(field, name) for name in definition.args) if isinstance(value, list)
        ]
        return max(sizes, default=1) or 1

    def connection_nodes(
        self, selection_set: SelectionSetNode | None, connection: GraphQLNamedType
    ) -> Iterator[tuple[FieldNode, GraphQLNamedType]]:
        """The `edges { node { ... } }` selections of a connection (wrappers and pageInfo are free)."""
        for edges, edges_definition in self.fields(selection_set, connection):
            if edges.name.value != "edges":
                continue
            edge_type = get_named_type(edges_definition.type)
            for node, node_definition in self.fields(edges.selection_set, edge_type):
                if node.name.value == "node":
                    yield node, get_named_type(node_definition.type)


class _Requested(_Walk):
    points = 0
    nodes = 0

    def walk(self, selection_set: SelectionSetNode | None, parent: GraphQLNamedType, times: int, own: int) -> None:
        for field, definition in self.fields(selection_set, parent):
            named = get_named_type(definition.type)
            if is_leaf_type(named):
                continue
            if is_connection(named):
                first = self.page_size(field)
                self.points += times * (CONNECTION_POINTS + first)
                self.nodes += times * first
                for node, node_type in self.connection_nodes(field.selection_set, named):
                    self.walk(node.selection_set, node_type, times * first, OBJECT_POINTS)
                continue
            self.points += times * own
            self.walk(field.selection_set, named, times * self.list_size(field, definition), OBJECT_POINTS)


class _Actual(_Walk):
    """Walks the result: a connection costs 2 + the items that came back, each item what its
    selection was priced at (the page's items are not walked one by one: that would cost more
    than many a resolver)."""

    prices: dict[int, int]  # per node, by id of the connection's field node (see `_Priced`)

    def walk(self, selection_set: SelectionSetNode | None, parent: GraphQLNamedType, data: Any, own: int) -> int:
        if not isinstance(data, dict):
            return 0
        points = 0
        for field, definition in self.fields(selection_set, parent):
            key = field.alias.value if field.alias else field.name.value
            named = get_named_type(definition.type)
            if key not in data or is_leaf_type(named):
                continue
            value = data[key]
            if is_connection(named):
                edges = value.get("edges") if isinstance(value, dict) else None
                items = len(edges) if isinstance(edges, list) else self.page_size(field)
                points += CONNECTION_POINTS + items + items * self.per_node(field, named)
                continue
            points += own
            items_of = value if isinstance(value, list) else [value]
            points += max((self.walk(field.selection_set, named, item, OBJECT_POINTS) for item in items_of), default=0)
        return points

    def per_node(self, field: FieldNode, connection: GraphQLNamedType) -> int:
        known = self.prices.get(id(field))
        if known is not None:
            return known
        priced = _Requested(*self.args)
        for node, node_type in self.connection_nodes(field.selection_set, connection):
            priced.walk(node.selection_set, node_type, 1, OBJECT_POINTS)
        self.prices[id(field)] = priced.points
        return priced.points


def _literal(node: ValueNode, variables: Mapping[str, Any]) -> Any:
    if isinstance(node, VariableNode):
        return variables.get(node.name.value)
    if isinstance(node, IntValueNode):
        return int(node.value)
    if isinstance(node, ListValueNode):
        return [_literal(item, variables) for item in node.values]
    return getattr(node, "value", None)


def _root(schema: GraphQLSchema, operation: OperationDefinitionNode) -> tuple[GraphQLObjectType | None, int]:
    if operation.operation is OperationType.MUTATION:
        return schema.mutation_type, MUTATION_POINTS
    if operation.operation is OperationType.SUBSCRIPTION:
        return schema.subscription_type, OBJECT_POINTS
    return schema.query_type, OBJECT_POINTS


@dataclass
class _Priced:
    """What is kept of one operation with one set of variables: its requested cost, and the price of
    one node of each of its connections (by id of the connection's field node), as `_Actual` needs them."""

    schema: GraphQLSchema
    operation: OperationDefinitionNode  # kept alive while kept: the ids stay theirs
    cost: Cost
    per_node: dict[int, int] = dataclass_field(default_factory=dict)


# By (schema, operation node, variables): the parser cache gives every request of a document the
# same nodes, and a client sends the same few variables again and again.
_priced: dict[tuple[int, int, bytes], _Priced] = {}
_MAX_PRICED = 4096


def requested_cost(
    schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode, variables: Mapping[str, Any]
) -> Cost:
    priced = _kept(schema, document, operation, variables)
    return priced.cost if priced is not None else _requested_cost(schema, document, operation, variables)


def _kept(
    schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode, variables: Mapping[str, Any]
) -> _Priced | None:
    try:
        key = (id(schema), id(operation), orjson.dumps(variables, option=orjson.OPT_SORT_KEYS))
    except TypeError:  # not JSON (an internal caller's values): not kept
        return None
    found = _priced.get(key)
    if found is not None and found.schema is schema and found.operation is operation:  # not new nodes at old addresses
        return found
    if len(_priced) >= _MAX_PRICED:
        _priced.clear()
    found = _priced[key] = _Priced(schema, operation, _requested_cost(schema, document, operation, variables))
    return found


def _requested_cost(
    schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode, variables: Mapping[str, Any]
) -> Cost:
    walk = _Requested(schema, document, operation, variables)
    root, own = _root(schema, operation)
    if root is not None:
        walk.walk(operation.selection_set, root, 1, own)
    return Cost(points=walk.points, nodes=walk.nodes)


def actual_cost(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    variables: Mapping[str, Any],
    data: Any,
) -> int:
    root, own = _root(schema, operation)
    if root is None:
        return 0
    priced = _kept(schema, document, operation, variables)
    walk = _Actual(schema, document, operation, variables)
    walk.prices = priced.per_node if priced is not None else {}
    return walk.walk(operation.selection_set, root, data, own)
