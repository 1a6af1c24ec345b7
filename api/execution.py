"""Execution shortcuts that cannot change a result, for the hundreds of fields of a list page.

graphql-core completes every field through the same general steps: a resolve info and a path,
awaitable checks, nullability, list and leaf checks, and for each object its sub-selection; and
strawberry wraps each resolver in layers that convert arguments. For a page of objects that are
already loaded, that general work is most of a request. Here:

- `PlainFieldsExecutor` completes the objects below the root through plans compiled once per
  operation (api/compiled.py: per selection, one generated Python function) while everything on
  the way is plain: no arguments, no async resolver, no awaitable or error returned, no null
  where the type forbids it, no abstract type, no directive in the operation. Whatever is not
  plain makes it give that object back to graphql-core, which completes it (and reports errors)
  as always. Resolvers that take `info` get a `LazyInfo`, which builds graphql-core's resolve
  info only if asked for more than the context.
- `call_resolvers_directly` lets graphql-core call plain resolver functions without strawberry's
  argument conversion.

These lean on executor internals of graphql-core and strawberry (bounded above in pyproject.toml);
tests/api/test_execution.py compares the results with graphql-core's own and fails loudly when
the internals change.
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
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    Undefined,
    get_nullable_type,
    is_leaf_type,
)
from graphql.execution.collect_fields import GroupedFieldSet
from graphql.pyutils import Path
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import CustomGraphQLEnumType, GraphQLCoreConverter
from strawberry.types import Info
from strawberry.types.field import StrawberryField

from api.compiled import (
    ATTRIBUTE_LEAF,
    LEAF,
    OBJECT,
    TYPENAME,
    VALUE,
    Completion,
    NotPlain,
    ObjectPlan,
    PlainPath,
    Plans,
    Step,
    as_path,
    completion_of,
    fast_serializer,
    generate,
    pass_through,
    selection_key,
)

Serialize = Callable[[Any], Any]


@dataclass(frozen=True)
class FieldPlan:
    """What the shortcut needs to know of one field of one object type."""

    field: GraphQLField
    attribute: str | None  # a plain attribute (strawberry's default resolver): read it, no resolve info
    is_async: bool  # an async resolver: left to graphql-core
    leaf: Serialize | None = None  # the serialiser of a scalar or enum type
    function: Callable[..., Any] | None = None  # a resolver to call directly (see `direct_function`)
    info_name: str | None = None  # the keyword by which `function` takes strawberry's Info, if it does
    definition: StrawberryField | None = None


# Per object type name, per field name; and the compiled plans of the schema's operations.
FieldPlans = dict[str, dict[str, FieldPlan]]
_plans: WeakKeyDictionary[GraphQLSchema, tuple[FieldPlans, Plans]] = WeakKeyDictionary()
_serializers: dict[int, Serialize] = {}


class PlainFieldsExecutor(StrawberryGraphQLCoreExecutionContext):
    """graphql-core's executor, completing plain objects below the root through compiled plans.

    The root fields (mutations among them) and any object with something not plain below it take
    graphql-core's own path, so results and errors stay exactly the same; so does everything when
    a schema extension hooks `resolve` (middleware) or the operation has directives.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        middleware = self.middleware_manager is not None and bool(self.middleware_manager.middlewares)
        self._plans: Plans | None = None
        if not middleware:
            field_plans, compiled = plans_of(self.schema)
            if not compiled.has_directives(self.operation, self.fragment_definitions):
                self._field_plans, self._plans = field_plans, compiled

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: GroupedFieldSet,
        position_context: Any,
    ) -> Any:
        if self._plans is not None and path is not None and position_context is None:
            key = selection_key(parent_type, grouped_field_set)
            plan = self._plans.get(key)
            if plan is False:
                try:
                    plan = self._compile(parent_type, grouped_field_set)
                except NotPlain:
                    plan = None
                self._plans.put(key, grouped_field_set, plan)
            if plan is not None:
                try:
                    return self._run(plan, source_value, path)  # type: ignore[arg-type]
                except NotPlain:
                    pass
        return super().execute_fields(parent_type, source_value, path, grouped_field_set, position_context)

    def _compile(self, object_type: GraphQLObjectType, grouped_field_set: GroupedFieldSet) -> ObjectPlan:
        field_plans = self._field_plans.get(object_type.name, {})
        steps = []
        for response_name, field_details in grouped_field_set.items():
            node = field_details[0].node
            if node.name.value == "__typename":
                steps.append(Step(response_name, TYPENAME, None, field_details))
                continue
            plan = field_plans.get(node.name.value)
            if plan is None or plan.is_async or any(d.node.arguments for d in field_details) or plan.field.args:
                raise NotPlain
            if plan.leaf is not None and plan.attribute is not None:
                non_null = isinstance(plan.field.type, GraphQLNonNull)
                step = Step(
                    response_name, ATTRIBUTE_LEAF, plan.field, field_details, plan.attribute, plan.leaf, non_null
                )
                step.passes = pass_through(get_nullable_type(plan.field.type))
            else:
                step = Step(response_name, VALUE, plan.field, field_details, plan.attribute)
                step.completion = completion_of(plan.field.type, _serialized_by)
                step.function, step.info_name, step.definition = plan.function, plan.info_name, plan.definition
            steps.append(step)
        return ObjectPlan(object_type, steps)

    def _run(self, plan: ObjectPlan, source: Any, path: Path | PlainPath) -> dict[str, Any]:
        run = plan.run
        if run is None:
            run = plan.run = generate(plan, LazyInfo)
        return run(self, source, path)

    def _resolve(self, step: Step, parent_type: GraphQLObjectType, source: Any, path: Path | PlainPath) -> Any:
        try:
            if step.function is not None:
                if step.info_name is None:
                    return step.function(source)
                return step.function(source, **{step.info_name: LazyInfo(self, step, parent_type, path)})
            if step.attribute is not None:
                return getattr(source, step.attribute)
            assert step.field is not None
            nodes = [details.node for details in step.field_details]
            info = self.build_resolve_info(step.field, nodes, parent_type, as_path(path))
            return (step.field.resolve or self.field_resolver)(source, info)
        except Exception as exc:  # graphql-core calls it again and reports the error where it belongs
            raise NotPlain from exc

    def _complete_value(self, step: Step, completion: Completion, value: Any, path: Path | PlainPath) -> Any:
        if type(value) not in completion.plain_types:  # seen before: neither awaitable nor an error
            if self.is_awaitable(value):
                if iscoroutine(value):
                    value.close()  # never started: graphql-core calls the resolver again
                raise NotPlain
            if isinstance(value, Exception):
                raise NotPlain
            if value is not None:
                completion.plain_types.add(type(value))
        if value is None:
            if completion.non_null:
                raise NotPlain
            return None
        kind = completion.kind
        if kind == OBJECT:
            object_type = completion.object_type
            assert object_type is not None
            if object_type.is_type_of is not None and type(value) not in completion.of_type:
                if not _is_type_of(object_type, value):
                    raise NotPlain
                completion.of_type.add(type(value))  # strawberry's is_type_of looks at the type only
            sub_plan = step.sub_plans.get(object_type.name)
            if sub_plan is None:
                grouped_field_set, new_defer_usages, _ = self.collect_subfields(object_type, step.field_details)
                if new_defer_usages:
                    raise NotPlain
                sub_plan = step.sub_plans[object_type.name] = self._compile(object_type, grouped_field_set)
            completed = self._run(sub_plan, value, path)
            if step.fast is None:  # this type passed every check above: the generated code may skip them
                assert sub_plan.run is not None
                step.fast = (type(value), sub_plan.run)
            return completed
        if kind == LEAF:
            assert completion.serialize is not None
            try:
                serialized = completion.serialize(value)
            except Exception as exc:
                raise NotPlain from exc
            if serialized is None or serialized is Undefined:
                raise NotPlain
            return serialized
        if not isinstance(value, list | tuple):
            raise NotPlain
        item = completion.item
        assert item is not None
        return [self._complete_value(step, item, entry, (path, index, None)) for index, entry in enumerate(value)]


class LazyInfo(Info[Any, Any]):
    """strawberry's Info for a plain resolver, building graphql-core's resolve info only when the
    resolver asks for more than the context (most read `info.context` alone)."""

    def __init__(
        self, executor: PlainFieldsExecutor, step: Step, parent_type: GraphQLObjectType, path: Path | PlainPath
    ) -> None:
        self._where = (executor, step, parent_type, path)  # one attribute: resolvers make hundreds a page
        self._built: Any = None

    @property
    def _field(self) -> Any:  # type: ignore[override]
        return self._where[1].definition

    @property
    def _raw_info(self) -> Any:  # type: ignore[override]
        if self._built is None:
            executor, step, parent_type, path = self._where
            assert step.field is not None
            nodes = [details.node for details in step.field_details]
            self._built = executor.build_resolve_info(step.field, nodes, parent_type, as_path(path))
        return self._built

    @property
    def context(self) -> Any:
        return self._where[0].context_value


def _is_type_of(object_type: GraphQLObjectType, value: Any) -> bool:
    # strawberry's is_type_of looks at the value only; an awaitable answer is graphql-core's business
    assert object_type.is_type_of is not None
    try:
        answer = object_type.is_type_of(value, None)  # type: ignore[arg-type]
    except Exception as exc:
        raise NotPlain from exc
    return answer is True


def _serialized_by(leaf_type: GraphQLLeafType) -> Serialize:
    return _serializers.get(id(leaf_type)) or _serializers.setdefault(id(leaf_type), _serializer(leaf_type))


def _serializer(leaf_type: GraphQLLeafType) -> Serialize:
    if not isinstance(leaf_type, CustomGraphQLEnumType):
        return fast_serializer(leaf_type, leaf_type.coerce_output_value)
    # strawberry's enum type compares the member with each of its values in turn
    names = {value.value: name for name, value in leaf_type.values.items()}
    members, coerce = leaf_type.wrapped_cls, leaf_type.coerce_output_value

    def enum_name(value: Any) -> Any:
        return names.get(value.value) if isinstance(value, members) else coerce(value)

    return enum_name


def plans_of(schema: GraphQLSchema) -> tuple[FieldPlans, Plans]:
    found = _plans.get(schema)
    if found is None:
        strawberry_schema = getattr(schema, "_strawberry_schema", None)
        info_class = strawberry_schema.config.info_class if strawberry_schema is not None else None
        field_plans = {
            name: {field_name: _plan(field, info_class) for field_name, field in graphql_type.fields.items()}
            for name, graphql_type in schema.type_map.items()
            if isinstance(graphql_type, GraphQLObjectType)
        }
        found = _plans[schema] = (field_plans, Plans())
    return found


def _plan(field: GraphQLField, info_class: Any) -> FieldPlan:
    definition = field.extensions.get(GraphQLCoreConverter.DEFINITION_BACKREF)
    if not isinstance(definition, StrawberryField):  # introspection and other graphql-core fields
        return FieldPlan(field, None, is_async=True)
    plain = definition.is_basic_field and definition.default_resolver is getattr
    leaf_type = get_nullable_type(field.type)
    direct = direct_function(definition)
    lazy_info = info_class is Info  # LazyInfo stands in for strawberry's own Info only
    return FieldPlan(
        field,
        definition.python_name if plain else None,
        is_async=definition.is_async,
        leaf=_serializer(leaf_type) if is_leaf_type(leaf_type) else None,
        function=direct[0] if direct and (direct[1] is None or lazy_info) else None,
        info_name=direct[1] if direct else None,
        definition=definition,
    )


def call_resolvers_directly(schema: strawberry.Schema) -> None:
    """Let graphql-core call each synchronous resolver that takes no arguments but `self` and `info`
    and has no extensions itself: strawberry's wrapper would convert no arguments, every time."""
    info_class: Any = schema.config.info_class
    for graphql_type in schema._schema.type_map.values():
        if isinstance(graphql_type, GraphQLObjectType):
            for field in graphql_type.fields.values():
                definition = field.extensions.get(GraphQLCoreConverter.DEFINITION_BACKREF)
                direct = direct_function(definition) if isinstance(definition, StrawberryField) else None
                if direct is not None:
                    field.resolve = _resolver(direct[0], direct[1], info_class, definition)


def direct_function(definition: StrawberryField) -> tuple[Callable[..., Any], str | None] | None:
    """(the resolver's function, the name of its info parameter or None) when graphql-core may call
    it directly: synchronous, no arguments but `self` (and `info`), no field extensions."""
    resolver = definition.base_resolver
    if resolver is None:
        return None
    if definition.extensions or resolver.is_async or resolver.arguments or resolver.self_parameter is None:
        return None
    if resolver.root_parameter or resolver.parent_parameter:
        return None
    info = resolver.info_parameter
    function: Any = resolver.wrapped_func
    return function, (info.name if info is not None else None)


def _resolver(
    function: Callable[..., Any], info_name: str | None, info_class: Any, definition: StrawberryField
) -> Callable[[Any, Any], Any]:
    if info_name is None:
        return lambda source, _: function(source)
    return lambda source, info: function(source, **{info_name: info_class(_raw_info=info, _field=definition)})
