"""Completion plans compiled once per operation: the selection below a list page, as steps.

graphql-core completes a value by looking at its selection again for every object: it collects
the sub-fields, finds each field's definition, checks its arguments, builds a resolve info and a
path, tests the result for awaitables, and serialises leaves through general coercions. For an
operation that the parser cache keeps (the same AST nodes every time) and that has no directive
(nothing in it depends on variables), all of that is the same for every object and every request.
`compile_object` turns an object type and its collected fields into an `ObjectPlan` once: per
response name a `Step` that says how to get the value (an attribute, a resolver called directly,
or the field's resolver with a resolve info) and how to complete it (a leaf serialiser, a sub-plan
compiled on first use, a list of either). api/execution.py runs the plans; whatever a plan cannot
take (an argument, an async resolver, an abstract type) makes compilation fail with `NotPlain`
and graphql-core completes the object as always.
"""

from __future__ import annotations

import keyword
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from math import isfinite
from typing import Any

from graphql import (
    GraphQLBoolean,
    GraphQLField,
    GraphQLFloat,
    GraphQLID,
    GraphQLInt,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLString,
    is_leaf_type,
)
from graphql.execution.collect_fields import FieldDetailsList, GroupedFieldSet
from graphql.language import DirectiveNode, OperationDefinitionNode
from graphql.language.visitor import Visitor, visit
from graphql.pyutils import Path, Undefined

Serialize = Callable[[Any], Any]

# How a step gets its value.
TYPENAME = 0  # the object type's name
ATTRIBUTE_LEAF = 1  # a scalar or enum attribute (strawberry's default resolver), serialised
VALUE = 2  # anything else: `resolve` gives the value, `complete` finishes it

INT_MIN, INT_MAX = -(2**31), 2**31 - 1


# Below the object where a plan starts, paths are plain (previous, key, type name) tuples, the
# fields of graphql-core's Path (a NamedTuple, whose constructor costs several times more): made
# into Paths only when a resolver asks for its resolve info (`as_path`).
PlainPath = tuple[Any, str | int, str | None]


def as_path(path: Path | PlainPath) -> Path:
    """graphql-core's Path of a plain path tuple (or of a Path: itself)."""
    if type(path) is Path:
        return path
    previous, key, type_name = path
    return Path(None if previous is None else as_path(previous), key, type_name)


class NotPlain(Exception):
    """Something the plans leave to graphql-core (an awaitable, an error, a null where the type forbids it...)."""


@dataclass(eq=False, slots=True)
class Step:
    response_name: str
    kind: int
    field: GraphQLField | None
    field_details: FieldDetailsList
    attribute: str | None = None  # read with getattr (ATTRIBUTE_LEAF, or VALUE without a resolver)
    serialize: Serialize | None = None  # ATTRIBUTE_LEAF: the leaf type's serialiser
    non_null: bool = False  # ATTRIBUTE_LEAF: null is not allowed
    passes: str | None = None  # ATTRIBUTE_LEAF: `pass_through` of its type
    # VALUE with a resolver: the function itself (called with the source, and the info as the
    # keyword `info_name` when it takes one), or None for graphql-core's resolve(source, info).
    function: Callable[..., Any] | None = None
    info_name: str | None = None
    definition: Any = None  # the StrawberryField, for strawberry's Info
    completion: Completion | None = None  # VALUE: how to complete what the resolver gives
    sub_plans: dict[str, ObjectPlan] = dataclass_field(default_factory=dict)  # by object type name
    # VALUE of an object type, or a list of one: (the Python type of the values completed so far,
    # the sub-plan's function), once the executor has completed one such value through the general
    # path; the generated code then calls the function straight for values of that type.
    fast: tuple[type, Callable[[Any, Any, Any], dict[str, Any]]] | None = None


# How a value is completed.
LEAF, OBJECT, LIST = 0, 1, 2


@dataclass(eq=False, slots=True)
class Completion:
    """How to complete a value of one GraphQL output type (compiled from the type once)."""

    kind: int
    non_null: bool
    serialize: Serialize | None = None  # LEAF
    passes: str | None = None  # LEAF: `pass_through` of its type
    object_type: GraphQLObjectType | None = None  # OBJECT
    item: Completion | None = None  # LIST
    # Python types of values already seen here that were neither awaitable nor an error: such a
    # value needs no further look (both are properties of the type).
    plain_types: set[type] = dataclass_field(default_factory=set)
    # OBJECT: Python types of values the object type's is_type_of accepted.
    of_type: set[type] = dataclass_field(default_factory=set)


def completion_of(graphql_type: Any, serializer: Callable[[Any], Serialize]) -> Completion:
    """The completion of `graphql_type`; NotPlain for an interface or a union (graphql-core
    resolves the runtime type)."""
    non_null = isinstance(graphql_type, GraphQLNonNull)
    nullable = graphql_type.of_type if non_null else graphql_type
    if isinstance(nullable, GraphQLList):
        return Completion(LIST, non_null, item=completion_of(nullable.of_type, serializer))
    if is_leaf_type(nullable):
        return Completion(LEAF, non_null, serialize=serializer(nullable), passes=pass_through(nullable))
    if isinstance(nullable, GraphQLObjectType):
        return Completion(OBJECT, non_null, object_type=nullable)
    raise NotPlain


@dataclass(eq=False, slots=True)
class ObjectPlan:
    object_type: GraphQLObjectType
    steps: list[Step]
    # The plan as one Python function (see `generate`): run(executor, source, path) -> dict
    run: Callable[[Any, Any, Any], dict[str, Any]] | None = None


def generate(plan: ObjectPlan, lazy_info: type) -> Callable[[Any, Any, Any], dict[str, Any]]:
    """The plan as the source of one function, compiled once (what graphql-jit does for graphql-js):
    attribute leaves read and serialised inline (built-in scalars' usual values passed through by a
    type test), resolver functions called directly (with a
    `lazy_info` for those that take an info), every other field through the executor's `_resolve`,
    each value completed by the executor's `_complete_value`, the result built as one dict display.
    Any error makes it raise NotPlain, and graphql-core completes the object instead."""
    type_name = plan.object_type.name
    lines = ["def run(executor, source, path):", "    try:"]
    names: list[str] = []
    for index, step in enumerate(plan.steps):
        result = f"r{index}"
        names.append(f"{step.response_name!r}: {result}")
        if step.kind == TYPENAME:
            lines.append(f"        {result} = {type_name!r}")
        elif step.kind == ATTRIBUTE_LEAF:
            assert step.attribute is not None
            read = (
                f"source.{step.attribute}"
                if step.attribute.isidentifier() and not keyword.iskeyword(step.attribute)
                else f"getattr(source, {step.attribute!r})"
            )
            lines += [
                f"        v = {read}",
                "        if v is None:",
                "            raise NotPlain" if step.non_null else f"            {result} = None",
            ]
            if step.passes is not None:
                lines += [f"        elif {step.passes}:", f"            {result} = v"]
            lines += [
                "        else:",
                f"            {result} = steps[{index}].serialize(v)",
                f"            if {result} is None or {result} is Undefined:",
                "                raise NotPlain",
            ]
        else:
            lines += [
                f"        p = (path, {step.response_name!r}, {type_name!r})",
                f"        step = steps[{index}]",
                f"        v = {_resolve_call(step)}",
                *_completion_lines(step, result),
            ]
    lines += [
        "    except NotPlain:",
        "        raise",
        "    except Exception as exc:",
        "        raise NotPlain from exc",
        "    return {" + ", ".join(names) + "}",
    ]
    scope: dict[str, Any] = {
        "isfinite": isfinite,
        "NotPlain": NotPlain,
        "Undefined": Undefined,
        "LazyInfo": lazy_info,
        "steps": plan.steps,
        "object_type": plan.object_type,
    }
    exec(compile("\n".join(lines), f"<plan of {type_name}>", "exec"), scope)
    function: Callable[[Any, Any, Any], dict[str, Any]] = scope["run"]
    return function


def _completion_lines(step: Step, result: str) -> list[str]:
    """Generated code completing `v` (a VALUE step's value at path `p`): once `step.fast` is known,
    an object of its type (or a list of such objects) goes straight to the sub-plan's function;
    anything else, a null included, through the executor's `_complete_value`."""
    general = "executor._complete_value(step, step.completion, v, p)"
    completion = step.completion
    assert completion is not None
    if completion.kind == OBJECT:
        return [
            "        fast = step.fast",
            "        if fast is not None and type(v) is fast[0]:",
            f"            {result} = fast[1](executor, v, p)",
            "        else:",
            f"            {result} = {general}",
        ]
    if completion.kind == LEAF and completion.passes is not None:
        return [f"        {result} = v if {completion.passes} else {general}"]
    item = completion.item
    if completion.kind == LIST and item is not None and item.kind == OBJECT:
        return [
            "        fast = step.fast",
            "        if fast is not None and type(v) is list:",
            "            kind, run = fast",
            f"            {result} = [",
            "                run(executor, x, (p, i, None)) if type(x) is kind",
            "                else executor._complete_value(step, step.completion.item, x, (p, i, None))",
            "                for i, x in enumerate(v)",
            "            ]",
            "        else:",
            f"            {result} = {general}",
        ]
    return [f"        {result} = {general}"]


def _resolve_call(step: Step) -> str:
    """The expression that resolves a VALUE step in generated code: its function called directly
    when it has one (errors become NotPlain through the generated try), else the executor's `_resolve`."""
    if step.function is None:
        return "executor._resolve(step, object_type, source, p)"
    if step.info_name is None:
        return "step.function(source)"
    if not step.info_name.isidentifier() or keyword.iskeyword(step.info_name):
        return "executor._resolve(step, object_type, source, p)"
    return f"step.function(source, {step.info_name}=LazyInfo(executor, step, object_type, p))"


# Per built-in scalar, a test (Python source, on `v`) of the values that graphql-core's output
# coercion gives back unchanged: generated code passes those through without a call.
PASS_THROUGH = {
    GraphQLString: "type(v) is str",
    GraphQLID: "type(v) is str",
    GraphQLInt: f"type(v) is int and {INT_MIN} <= v <= {INT_MAX}",
    GraphQLBoolean: "type(v) is bool",
    GraphQLFloat: "type(v) is float and isfinite(v)",
}


def pass_through(leaf_type: Any) -> str | None:
    return next((test for scalar, test in PASS_THROUGH.items() if scalar is leaf_type), None)


def fast_serializer(leaf_type: Any, serialize: Serialize) -> Serialize:
    """`serialize` with the values `pass_through` lets by returned as they are."""
    test = pass_through(leaf_type)
    if test is None:
        return serialize
    fast: Serialize = eval(f"lambda v: v if {test} else serialize(v)", {"isfinite": isfinite, "serialize": serialize})
    return fast


class _HasDirectives(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.found = False

    def enter_directive(self, node: DirectiveNode, *_: Any) -> Any:
        self.found = True
        return self.BREAK


def has_directives(operation: OperationDefinitionNode, fragments: dict[str, Any]) -> bool:
    """Whether the operation or a fragment has a directive (@skip, @include, @defer...): then what
    a selection collects depends on the variables, and no plan is kept."""
    for node in (operation, *fragments.values()):
        finder = _HasDirectives()
        visit(node, finder)
        if finder.found:
            return True
    return False


def selection_key(object_type: GraphQLObjectType, grouped_field_set: GroupedFieldSet) -> tuple[Any, ...]:
    """The identity of a collected selection: its type and its AST field nodes (the same objects for
    every request while the parser cache keeps the document; a kept plan keeps them alive)."""
    return (object_type.name, *(id(details.node) for fdl in grouped_field_set.values() for details in fdl))


class Plans:
    """Compiled plans of the top objects where completion starts, bounded; `None`: not plain."""

    MAX = 256

    def __init__(self) -> None:
        self._by_key: dict[tuple[Any, ...], tuple[GroupedFieldSet, ObjectPlan | None]] = {}
        self._directives: dict[int, tuple[OperationDefinitionNode, bool]] = {}

    def has_directives(self, operation: OperationDefinitionNode, fragments: dict[str, Any]) -> bool:
        known = self._directives.get(id(operation))
        if known is None or known[0] is not operation:
            if len(self._directives) >= self.MAX:
                self._directives.clear()
            known = self._directives[id(operation)] = (operation, has_directives(operation, fragments))
        return known[1]

    def get(self, key: tuple[Any, ...]) -> ObjectPlan | bool | None:
        """The plan, None when the selection is not plain, False when not compiled yet."""
        found = self._by_key.get(key)
        return False if found is None else found[1]

    def put(self, key: tuple[Any, ...], grouped_field_set: GroupedFieldSet, plan: ObjectPlan | None) -> None:
        if len(self._by_key) >= self.MAX:
            self._by_key.clear()
        self._by_key[key] = (grouped_field_set, plan)  # the grouped fields keep the keyed nodes alive
