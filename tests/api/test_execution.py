"""The compiled plans of api/execution.py and api/compiled.py give exactly graphql-core's results,
errors included; and the library internals they lean on are still there (these fail loudly when
strawberry or graphql-core change underneath: see the version bounds in pyproject.toml)."""

from __future__ import annotations

import dataclasses
import inspect
from enum import Enum
from types import SimpleNamespace
from typing import Any

import graphql
import pytest
import strawberry
from graphql.execution.collect_fields import FieldDetails
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types import Info
from strawberry.types.field import StrawberryField

from api.execution import LazyInfo, PlainFieldsExecutor, call_resolvers_directly, plans_of


@strawberry.enum
class Mood(Enum):
    CALM = "calm"
    LOUD = "loud"


@strawberry.type
class Tag:
    name: str
    weight: int | None


@strawberry.type
class Item:
    title: str
    count: int
    mood: Mood
    ratio: float
    big: int  # beyond GraphQL's 32-bit Int for one item: an error where it belongs
    tags: list[Tag]

    @strawberry.field
    def shout(self, info: Info) -> str:
        return f"{self.title.upper()}{info.context['suffix']}"

    @strawberry.field
    def path_text(self, info: Info) -> str:
        return ".".join(str(key) for key in info.path.as_list())

    @strawberry.field
    def must(self) -> Tag:
        return None  # type: ignore[return-value]  # null where the type forbids it

    @strawberry.field
    def maybe(self) -> Tag | None:
        return self.tags[0] if self.tags else None

    @strawberry.field
    async def later(self) -> str:
        return self.title


def items() -> list[Item]:
    return [
        Item(title=f"item {n}", count=n, mood=Mood.CALM if n % 2 else Mood.LOUD, ratio=n / 3, big=n, tags=tags)
        for n, tags in enumerate([[Tag(name="a", weight=1)], [], [Tag(name="b", weight=None), Tag(name="c", weight=3)]])
    ]


@strawberry.type
class Query:
    @strawberry.field
    async def items(self, broken: bool = False, odd: str | None = None) -> list[Item]:
        found = items()
        if broken:
            found[1].big = 2**40
        if odd == "lookalike":  # after items whose tags took the compiled fast path: no Tag, but like one
            found[2].tags.append(SimpleNamespace(name="fake", weight=0))  # type: ignore[arg-type]
        if odd == "null":
            found[2].tags.append(None)  # type: ignore[arg-type]
        if odd == "infinite":
            found[2].ratio = float("inf")
        return found


def schema(executor: type[Any]) -> strawberry.Schema:
    built = strawberry.Schema(query=Query, execution_context_class=executor)
    call_resolvers_directly(built)
    return built


COMPILED, REFERENCE = schema(PlainFieldsExecutor), schema(StrawberryGraphQLCoreExecutionContext)
QUERIES = [
    "{ items { title count mood ratio big tags { name weight } shout pathText maybe { name } __typename } }",
    "{ items(broken: true) { title big tags { name } } }",  # an Int out of range: graphql-core's error
    '{ items(odd: "lookalike") { title tags { name } } }',  # not a Tag in [Tag!]!: graphql-core's error
    '{ items(odd: "null") { title tags { name } } }',  # null in [Tag!]!: graphql-core's error
    '{ items(odd: "infinite") { title ratio } }',  # a Float that is not finite: graphql-core's error
    "{ items { title must { name } } }",  # null for a non-null field: graphql-core nulls the item
    "{ items { title later } }",  # an async resolver below the root
    "query($yes: Boolean!) { items { title count @include(if: $yes) tags { name } } }",  # directives
    "{ items { ...parts tags { ... on Tag { weight } } } } fragment parts on Item { title mood }",
]


@pytest.mark.parametrize("query", QUERIES)
async def test_compiled_plans_give_graphql_cores_results(query: str) -> None:
    for _ in range(2):  # compiled on the first run, reused on the second
        context = {"suffix": "!"}
        ours = await COMPILED.execute(query, variable_values={"yes": True}, context_value=context)
        theirs = await REFERENCE.execute(query, variable_values={"yes": True}, context_value=context)
        assert ours.data == theirs.data
        assert [(e.message, e.path) for e in ours.errors or []] == [(e.message, e.path) for e in theirs.errors or []]


async def test_plain_selections_are_compiled_and_the_others_are_not() -> None:
    _, compiled = plans_of(COMPILED._schema)
    await COMPILED.execute(QUERIES[0], context_value={"suffix": "!"})
    await COMPILED.execute(QUERIES[3])
    kept = [plan for _, plan in compiled._by_key.values()]
    assert any(plan is not None and plan.run is not None for plan in kept)  # the first query's items
    assert any(plan is None for plan in kept)  # the async field: graphql-core's


def test_the_library_internals_relied_on_are_still_there() -> None:
    # graphql-core's executor: the methods PlainFieldsExecutor overrides or calls, with their parameters
    executor = StrawberryGraphQLCoreExecutionContext
    assert list(inspect.signature(executor.execute_fields).parameters) == [
        "self",
        "parent_type",
        "source_value",
        "path",
        "grouped_field_set",
        "position_context",
    ]
    assert list(inspect.signature(executor.collect_subfields).parameters) == [
        "self",
        "return_type",
        "field_details_list",
    ]
    assert list(inspect.signature(executor.build_resolve_info).parameters) == [
        "self",
        "field_def",
        "field_nodes",
        "parent_type",
        "path",
    ]
    assert {"node", "defer_usage"} <= set(FieldDetails._fields)
    assert "is_awaitable" in inspect.signature(executor.__init__).parameters or hasattr(executor, "is_awaitable")
    # strawberry: Info is a dataclass of the raw info and the field, whose context reads the raw info's
    assert [f.name for f in dataclasses.fields(Info)] == ["_raw_info", "_field"]
    assert "_raw_info.context" in inspect.getsource(Info.context.fget)  # type: ignore[attr-defined]
    assert issubclass(LazyInfo, Info)
    assert GraphQLCoreConverter.DEFINITION_BACKREF
    for attribute in ("base_resolver", "is_basic_field", "default_resolver", "python_name", "is_async", "extensions"):
        assert hasattr(StrawberryField, attribute) or attribute in StrawberryField.__init__.__code__.co_varnames
    assert graphql.version_info[:2] == (3, 3), "api/execution.py was written against graphql-core 3.3"
