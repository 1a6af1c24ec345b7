"""The library internals our overrides rely on, checked one by one, so that an upgrade that changes
one fails here, loudly and by name, instead of somewhere deep in a request. pyproject.toml bounds
these libraries from above and requirements*.lock pin the versions tested; before moving a bound,
make these pass (and read the override again).

And the lock files: every dependency pyproject.toml names is pinned there (else: `make lock`)."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def parameters(function: object) -> list[str]:
    return list(inspect.signature(function).parameters)  # type: ignore[arg-type]


def source(obj: object) -> str:
    return inspect.getsource(obj)  # type: ignore[arg-type]


# ------------------------------------------------------------ api/execution.py (graphql-core, strawberry)


def test_graphql_core_execution_context_as_plain_fields_executor_overrides_it() -> None:
    from graphql.execution.executor import Executor as ExecutionContext

    assert parameters(ExecutionContext.execute_fields) == [
        "self", "parent_type", "source_value", "path", "grouped_field_set", "position_context"
    ], "graphql-core changed ExecutionContext.execute_fields: PlainFieldsExecutor overrides it"  # fmt: skip
    assert parameters(ExecutionContext.build_resolve_info) == [
        "self", "field_def", "field_nodes", "parent_type", "path"
    ], "graphql-core changed build_resolve_info: PlainFieldsExecutor._resolve calls it"  # fmt: skip
    assert parameters(ExecutionContext.collect_subfields) == ["self", "return_type", "field_details_list"]
    assert "return " in source(ExecutionContext.collect_subfields)
    for name in ("middleware_manager", "is_awaitable", "field_resolver"):
        assert name in source(ExecutionContext), f"graphql-core's Executor.{name} is gone: PlainFieldsExecutor uses it"
    from graphql.execution.collect_fields import FieldDetailsList, GroupedFieldSet  # noqa: F401


def test_strawberry_executor_and_field_definitions_as_execution_py_reads_them() -> None:
    from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
    from strawberry.schema.schema_converter import CustomGraphQLEnumType, GraphQLCoreConverter
    from strawberry.types.field import StrawberryField

    from api.schema import schema

    assert GraphQLCoreConverter.DEFINITION_BACKREF == "strawberry-definition"
    from graphql.execution.executor import Executor

    assert issubclass(StrawberryGraphQLCoreExecutionContext, Executor)
    assert "wrapped_cls" in source(CustomGraphQLEnumType.__init__)
    user = schema._schema.type_map["User"]
    definition = user.fields["handle"].extensions[GraphQLCoreConverter.DEFINITION_BACKREF]  # type: ignore[union-attr]
    assert isinstance(definition, StrawberryField)
    for attribute in ("is_basic_field", "default_resolver", "python_name", "is_async", "base_resolver", "extensions"):
        assert hasattr(definition, attribute), f"StrawberryField.{attribute} is gone: api/execution.py reads it"
    resolver_fields = [f for f in schema._schema.query_type.fields.values()]  # type: ignore[union-attr]
    resolvers = [f.extensions[GraphQLCoreConverter.DEFINITION_BACKREF].base_resolver for f in resolver_fields]
    resolver = next(r for r in resolvers if r is not None)
    for attribute in ("wrapped_func", "arguments", "self_parameter", "info_parameter", "root_parameter"):
        assert hasattr(resolver, attribute), f"StrawberryResolver.{attribute} is gone: call_resolvers_directly reads it"
    assert hasattr(resolver, "parent_parameter") and hasattr(resolver, "is_async")


# ------------------------------------------------------------ api/app.py, api/limits (strawberry's view and runner)


def test_strawberry_http_view_as_fanreel_graphql_overrides_it() -> None:
    from strawberry.asgi import GraphQL
    from strawberry.http.async_base_view import AsyncBaseHTTPView

    # FanreelGraphQL.__call__ repeats strawberry's (run, HTTPException → response) with JSON errors
    assert "self.run(" in source(GraphQL.__call__) and "except HTTPException" in source(GraphQL.__call__)
    assert parameters(AsyncBaseHTTPView.execute_operation) == [
        "self", "request", "request_adapter", "request_data", "context", "root_value", "sub_response"
    ]  # fmt: skip
    assert "self.parse_json(" in source(AsyncBaseHTTPView.parse_http_body), "parse_json no longer parses bodies"
    assert "render_graphql_ide" in source(AsyncBaseHTTPView.run)


def test_strawberry_runs_no_resolver_when_an_extension_set_the_result() -> None:
    """CostAndRateLimits refuses by setting execution_context.result in on_execute."""
    from strawberry.schema.schema import Schema

    assert "if not execution_context.result" in source(Schema._execute_operation)
    assert "execution_context.validation_rules" in source(__import__("strawberry.schema.schema").schema.schema)


# ------------------------------------------------------------ workers/worker.py, logs.py (arq)


def test_arq_worker_as_our_worker_and_job_lines_rely_on_it() -> None:
    from arq import worker

    assert parameters(worker.Worker.start_jobs) == ["self", "job_ids"], "arq changed Worker.start_jobs"
    run_job = source(worker.Worker.run_job)
    for name in ("self.sem", "self.job_counter", "self.tasks", "self.in_progress_timeout_s", "self.queue_name"):
        assert name in source(worker.Worker), f"arq's Worker no longer has {name}: workers/worker.py uses it"
    assert hasattr(worker.Worker, "_release_sem_dec_counter_on_complete")
    # logs.JobLines reads these lines
    for line in ("'%6.2fs → %s(%s)%s'", "'%6.2fs ← %s ● %s'", "'%6.2fs ↻ %s retrying job in %0.2fs'"):
        assert line in run_job, f"arq's job line {line} changed: logs.JobLines parses it"
    assert "'%6.2fs ! %s failed, %s: %s'" in run_job
    assert "ref = function_name" in run_job and "ref = f'{job_id}:{function_name}'" in run_job


# ------------------------------------------------------------ db/pool.py (asyncpg)


def test_asyncpg_pool_as_our_pool_relies_on_it() -> None:
    import asyncpg
    import asyncpg.pool

    assert "connection_class" in parameters(asyncpg.Pool.__init__) and "reset" in parameters(asyncpg.Pool.__init__)
    assert parameters(asyncpg.pool.PoolAcquireContext.__init__)[:3] == ["self", "pool", "timeout"]
    assert "self.connection" in source(asyncpg.pool.PoolAcquireContext)
    assert hasattr(asyncpg.Connection, "get_reset_query")
    assert "_reset" in source(asyncpg.pool), "asyncpg no longer calls the pool's reset callback"


# ------------------------------------------------------------ the lock files


def requirement_names(text: str) -> set[str]:
    return {re.split(r"[<>=!~;\[ ]", line.strip(), maxsplit=1)[0].lower().replace("_", "-") for line in text}


@pytest.mark.parametrize("lock", ["requirements.lock", "requirements-dev.lock"])
def test_every_dependency_is_locked_with_hashes(lock: str) -> None:
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = list(project["dependencies"])
    if lock == "requirements-dev.lock":
        wanted += project["optional-dependencies"]["dev"]
    text = (ROOT / lock).read_text()
    pinned = {m.group(1).lower().replace("_", "-") for m in re.finditer(r"^([A-Za-z0-9_.\-]+)==", text, re.M)}
    missing = requirement_names(wanted) - pinned
    assert not missing, f"{lock} lacks {sorted(missing)}: run `make lock` after changing pyproject.toml"
    blocks = re.findall(
        r"^[A-Za-z0-9_.\-\[\],]+==\S+(?: ;[^\\\n]*)? \\\n((?:\s+--hash=sha256:\w+(?: \\)?\n?)+)", text, re.M
    )
    assert len(blocks) == len(pinned), "every pinned line carries its hashes"
