"""Execution shortcuts that cannot change a result, for the hundreds of fields of a list page.

graphql-core completes every field through the same general steps: a resolve info and a path,
awaitable checks, nullability, list and leaf checks, and for each object its sub-selection; and
strawberry wraps each resolver in layers that convert arguments. For a page of objects that are
already loaded, that general work is most of a request. Here:

- `PlainFieldsExecutor` completes the fields below the root synchronously in one tight recursion
  while everything on the way is plain: no arguments, no async resolver, no awaitable or error
  returned, no null where the type forbids it, no abstract type. Whatever is not plain makes it
  give that object back to graphql-core, which completes it (and reports errors) as always.
- `call_resolvers_directly` lets graphql-core call plain resolver functions without strawberry's
  argument conversion.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from inspect import iscoroutine
from typing import Any
from weakref import WeakKeyDictionary

import strawberry
from graphql import (
    GraphQLField,
    GraphQLLeafType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    Undefined,
    get_nullable_type,
    is_leaf_type,
)
from graphql.execution.collect_fields import FieldDetailsList, GroupedFieldSet
from graphql.pyutils import Path
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import CustomGraphQLEnumType, GraphQLCoreConverter
from strawberry.types.field import StrawberryField

Serialize = Callable[[Any], Any]


@dataclass(frozen=True)
class FieldPlan:
    """What the shortcut needs to know of one field of one object type."""

    field: GraphQLField
    attribute: str | None  # a plain attribute (strawberry's default resolver): read it, no resolve info
    is_async: bool  # an async resolver: left to graphql-core
    leaf: Serialize | None = None  # the serialiser of a scalar or enum type


# Per object type name, per field name.
Plans = dict[str, dict[str, FieldPlan]]
_plans: WeakKeyDictionary[GraphQLSchema, Plans] = WeakKeyDictionary()
_serializers: dict[int, Serialize] = {}


class NotPlain(Exception):
    """Something the shortcut leaves to graphql-core (an awaitable, an error, a null where the type forbids it...)."""


class PlainFieldsExecutor(StrawberryGraphQLCoreExecutionContext):
    """graphql-core's executor, completing plain objects below the root in one synchronous recursion.

    The root fields (mutations among them) and any object with something not plain below it take
    graphql-core's own path, so results and errors stay exactly the same; so does everything when
    a schema extension hooks `resolve` (middleware).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        middleware = self.middleware_manager is not None and bool(self.middleware_manager.middlewares)
        self._plans: Plans | None = None if middleware else plans_of(self.schema)

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: GroupedFieldSet,
        position_context: Any,
    ) -> Any:
        if self._plans is not None and path is not None and position_context is None:
            try:
                return self._complete_fields(parent_type, source_value, path, grouped_field_set)
            except NotPlain:
                pass
        return super().execute_fields(parent_type, source_value, path, grouped_field_set, position_context)

    def _complete_fields(
        self, parent_type: GraphQLObjectType, source: Any, path: Path, grouped_field_set: GroupedFieldSet
    ) -> dict[str, Any]:
        assert self._plans is not None
        plans = self._plans.get(parent_type.name, {})
        results: dict[str, Any] = {}
        for response_name, field_details_list in grouped_field_set.items():
            node = field_details_list[0].node
            if node.name.value == "__typename":
                results[response_name] = parent_type.name
                continue
            plan = plans.get(node.name.value)
            if plan is None or plan.is_async or node.arguments or plan.field.args:
                raise NotPlain
            if plan.leaf is not None and plan.attribute is not None:  # most fields: no path, no info
                results[response_name] = _leaf_value(plan, source)
                continue
            field_path = Path(path, response_name, parent_type.name)
            value = self._resolve(plan, parent_type, source, field_details_list, field_path)
            results[response_name] = self._complete_value(plan.field.type, field_details_list, field_path, value)
        return results

    def _resolve(
        self,
        plan: FieldPlan,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: FieldDetailsList,
        path: Path,
    ) -> Any:
        try:
            if plan.attribute is not None:
                return getattr(source, plan.attribute)
            nodes = [details.node for details in field_details_list]
            info = self.build_resolve_info(plan.field, nodes, parent_type, path)
            return (plan.field.resolve or self.field_resolver)(source, info)
        except Exception as exc:  # graphql-core calls it again and reports the error where it belongs
            raise NotPlain from exc

    def _complete_value(
        self, return_type: GraphQLOutputType, field_details_list: FieldDetailsList, path: Path, value: Any
    ) -> Any:
        if self.is_awaitable(value):
            if iscoroutine(value):
                value.close()  # never started: graphql-core calls the resolver again
            raise NotPlain
        if isinstance(value, Exception):
            raise NotPlain
        if isinstance(return_type, GraphQLNonNull):
            if value is None:
                raise NotPlain
            return_type = return_type.of_type
        elif value is None:
            return None
        if isinstance(return_type, GraphQLList):
            if not isinstance(value, list | tuple):
                raise NotPlain
            item_type = return_type.of_type
            return [
                self._complete_value(item_type, field_details_list, path.add_key(index), item)
                for index, item in enumerate(value)
            ]
        if is_leaf_type(return_type):
            return _serialized(return_type, value)
        if not isinstance(return_type, GraphQLObjectType):
            raise NotPlain  # an interface or a union: graphql-core resolves the runtime type
        if return_type.is_type_of is not None and not _is_type_of(return_type, value):
            raise NotPlain
        grouped_field_set, new_defer_usages, _ = self.collect_subfields(return_type, field_details_list)
        if new_defer_usages:
            raise NotPlain
        return self._complete_fields(return_type, value, path, grouped_field_set)


def _leaf_value(plan: FieldPlan, source: Any) -> Any:
    assert plan.leaf is not None and plan.attribute is not None
    try:
        value = getattr(source, plan.attribute)
        serialized = None if value is None else plan.leaf(value)
    except Exception as exc:
        raise NotPlain from exc
    null_allowed = value is None and not isinstance(plan.field.type, GraphQLNonNull)
    if serialized is Undefined or (serialized is None and not null_allowed):
        raise NotPlain
    return serialized


def _is_type_of(object_type: GraphQLObjectType, value: Any) -> bool:
    # strawberry's is_type_of looks at the value only; an awaitable answer is graphql-core's business
    assert object_type.is_type_of is not None
    try:
        answer = object_type.is_type_of(value, None)  # type: ignore[arg-type]
    except Exception as exc:
        raise NotPlain from exc
    return answer is True


def _serialized(leaf_type: GraphQLLeafType, value: Any) -> Any:
    serialize = _serializers.get(id(leaf_type)) or _serializers.setdefault(id(leaf_type), _serializer(leaf_type))
    try:
        serialized = serialize(value)
    except Exception as exc:
        raise NotPlain from exc
    if serialized is None or serialized is Undefined:
        raise NotPlain
    return serialized


def _serializer(leaf_type: GraphQLLeafType) -> Serialize:
    if not isinstance(leaf_type, CustomGraphQLEnumType):
        return leaf_type.coerce_output_value
    # strawberry's enum type compares the member with each of its values in turn
    names = {value.value: name for name, value in leaf_type.values.items()}
    members, coerce = leaf_type.wrapped_cls, leaf_type.coerce_output_value

    def enum_name(value: Any) -> Any:
        return names.get(value.value) if isinstance(value, members) else coerce(value)

    return enum_name


def plans_of(schema: GraphQLSchema) -> Plans:
    plans = _plans.get(schema)
    if plans is None:
        plans = _plans[schema] = {
            name: {field_name: _plan(field) for field_name, field in graphql_type.fields.items()}
            for name, graphql_type in schema.type_map.items()
            if isinstance(graphql_type, GraphQLObjectType)
        }
    return plans


def _plan(field: GraphQLField) -> FieldPlan:
    definition = field.extensions.get(GraphQLCoreConverter.DEFINITION_BACKREF)
    if not isinstance(definition, StrawberryField):  # introspection and other graphql-core fields
        return FieldPlan(field, None, is_async=True)
    plain = definition.is_basic_field and definition.default_resolver is getattr
    leaf_type = get_nullable_type(field.type)
    return FieldPlan(
        field,
        definition.python_name if plain else None,
        is_async=definition.is_async,
        leaf=_serializer(leaf_type) if is_leaf_type(leaf_type) else None,
    )


def call_resolvers_directly(schema: strawberry.Schema) -> None:
    """Let graphql-core call each synchronous resolver that takes no arguments but `self` and `info`
    and has no extensions itself: strawberry's wrapper would convert no arguments, every time."""
    for graphql_type in schema._schema.type_map.values():
        if isinstance(graphql_type, GraphQLObjectType):
            for field in graphql_type.fields.values():
                direct = _direct_resolver(schema, field)
                if direct is not None:
                    field.resolve = direct


def _direct_resolver(schema: strawberry.Schema, field: GraphQLField) -> Callable[[Any, Any], Any] | None:
    definition = field.extensions.get(GraphQLCoreConverter.DEFINITION_BACKREF)
    if not isinstance(definition, StrawberryField) or definition.base_resolver is None:
        return None
    resolver = definition.base_resolver
    if definition.extensions or resolver.is_async or resolver.arguments or resolver.self_parameter is None:
        return None
    if resolver.root_parameter or resolver.parent_parameter:
        return None
    function: Any = resolver.wrapped_func
    info_class: Any = schema.config.info_class
    if resolver.info_parameter is None:
        return lambda source, _: function(source)
    info_name = resolver.info_parameter.name
    return lambda source, info: function(source, **{info_name: info_class(_raw_info=info, _field=definition)})
