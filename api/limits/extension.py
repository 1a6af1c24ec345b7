"""The schema extension that prices, meters and (in production) closes each operation.

Before any resolver runs: the operation's cost (api/limits/cost.py) is checked against
MAX_QUERY_COST and MAX_QUERY_NODES (QUERY_TOO_COSTLY), then taken from the caller's leaky
bucket and from the buckets of the root fields that have their own (signUp per IP, recordViews
per device and per IP); a bucket short of it refuses with THROTTLED and `retryAfter` (the HTTP
view turns that into a 429 with a Retry-After header). After execution the points a short page
did not use go back to the bucket. Every response carries `extensions.cost`.

It works on the operation as a whole, never on resolvers, so it covers every field whoever wrote
it, recordViews' native resolver and the custom executor included.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from graphql import (
    ExecutionResult,
    FieldNode,
    GraphQLError,
    OperationDefinitionNode,
    StringValueNode,
    ValidationRule,
)
from graphql.utilities import get_operation_ast
from graphql.validation import NoSchemaIntrospectionCustomRule
from starlette.requests import HTTPConnection
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType as StrawberryOperation

from api.limits.buckets import Bucket, refund, take
from api.limits.cost import Cost, actual_cost, requested_cost
from api.limits.text import has_bad_text
from telemetry import observe_errors

if TYPE_CHECKING:
    from api.context import Context
    from settings import Settings

SUGGESTION = re.compile(r"\s*Did you mean .*$", re.DOTALL)
DEVICE_HEADER = "x-device-id"
BAD_TEXT = "Text may not contain NUL characters or lone surrogates."


class NoNulInLiteralsRule(ValidationRule):
    """A string literal written in the query may not carry NUL (`"\\u0000"`): PostgreSQL refuses it."""

    def enter_string_value(self, node: StringValueNode, *_: Any) -> None:
        if "\x00" in node.value:
            self.report_error(GraphQLError(BAD_TEXT, node, extensions={"code": "BAD_USER_INPUT"}))


def client_key(connection: HTTPConnection | None) -> str:
    client = connection.client if connection is not None else None
    return client.host if client is not None else "unknown"


@dataclass
class Metered:
    """What one operation asked for, was charged and left (for extensions.cost and the log)."""

    requested: int = 0
    actual: int = 0
    bucket: Bucket | None = None
    level: float | None = None


class CostAndRateLimits(SchemaExtension):
    def __init__(self) -> None:
        self.metered = Metered()

    @property
    def context(self) -> Context:
        context: Context = self.execution_context.context
        return context

    @property
    def settings(self) -> Settings:
        return self.context.services.settings

    def on_operation(self) -> Iterator[None]:
        production = self.settings.production
        if production:
            rules = self.execution_context.validation_rules
            self.execution_context.validation_rules = (*rules, NoSchemaIntrospectionCustomRule)
        yield
        result = self.execution_context.result
        if result is not None and result.errors:
            observe_errors(_code(error) for error in result.errors)
            if production:
                result.errors = [_without_suggestions(error) for error in result.errors]
        connection = self.context.request
        if connection is not None:
            connection.scope.setdefault("state", {})["graphql"] = {
                "operation": self.execution_context.operation_name or _operation_name(self.execution_context),
                "cost": self.metered.actual,
                "user_id": str(self.context.user_id) if self.context.user_id else None,
            }

    async def on_execute(self) -> AsyncIterator[None]:
        refusal = await self._admit()
        subscription = self.execution_context.operation_type is StrawberryOperation.SUBSCRIPTION
        if refusal is not None:
            if subscription:  # strawberry starts a subscription whatever the result; it reports this error
                raise refusal
            self.execution_context.result = ExecutionResult(data=None, errors=[refusal])
        yield
        if refusal is None and not subscription:
            await self._settle()
        elif subscription:  # its events come later: it costs what it asked for, once, when it starts
            self.metered.actual = self.metered.requested

    async def _admit(self) -> GraphQLError | None:
        context, settings = self.context, self.settings
        document = self.execution_context.graphql_document
        operation = get_operation_ast(document, self.execution_context.operation_name) if document else None
        if document is None or operation is None:
            return None
        variables = self.execution_context.variables or {}
        if context.request is not None and context.request.scope["type"] == "websocket" and has_bad_text(variables):
            return GraphQLError(BAD_TEXT, extensions={"code": "BAD_USER_INPUT"})
        cost = requested_cost(self.execution_context.schema._schema, document, operation, variables)
        self.metered.requested = cost.points
        if cost.points > settings.max_query_cost or cost.nodes > settings.max_query_nodes:
            return _too_costly(cost, settings)
        if context.request is None:  # an internal caller (the seeder): no client to meter
            self.metered.actual = cost.points
            return None
        self.metered.bucket = self._caller_bucket()
        buckets = [(self.metered.bucket, float(cost.points)), *self._field_buckets(operation)]
        taken = await take(context.services.redis, buckets)
        self.metered.level = taken.levels[0]
        if not taken.taken:
            return GraphQLError(
                f"Throttled: try again in {taken.retry_after} s.",
                extensions={"code": "THROTTLED", "retryAfter": taken.retry_after, "cost": cost.points},
            )
        return None

    async def _settle(self) -> None:
        document = self.execution_context.graphql_document
        assert document is not None
        operation = get_operation_ast(document, self.execution_context.operation_name)
        assert operation is not None
        result = self.execution_context.result
        data = result.data if result is not None else None
        schema = self.execution_context.schema._schema
        actual = actual_cost(schema, document, operation, self.execution_context.variables or {}, data)
        self.metered.actual = actual = min(actual, self.metered.requested)
        unused = self.metered.requested - actual
        if unused > 0 and self.metered.bucket is not None and self.metered.level is not None:
            await refund(self.context.services.redis, self.metered.bucket, unused)
            self.metered.level = min(self.metered.level + unused, self.metered.bucket.size)

    def _caller_bucket(self) -> Bucket:
        settings, context = self.settings, self.context
        who = f"user:{context.user_id}" if context.user_id else f"ip:{client_key(context.request)}"
        return Bucket(f"fanreel:rl:{who}", settings.rate_limit_bucket_size, settings.rate_limit_restore_rate)

    def _field_buckets(self, operation: OperationDefinitionNode) -> list[tuple[Bucket, float]]:
        """signUp per IP; recordViews per viewer (user, else device) and per IP: one point a call."""
        settings, context = self.settings, self.context
        ip = client_key(context.request)
        calls: dict[str, int] = {}
        for selection in operation.selection_set.selections:
            if isinstance(selection, FieldNode):
                calls[selection.name.value] = calls.get(selection.name.value, 0) + 1
        buckets: list[tuple[Bucket, float]] = []
        if calls.get("signUp"):
            rate = settings.sign_up_restore_per_hour / 3600
            buckets.append((Bucket(f"fanreel:rl:signUp:ip:{ip}", settings.sign_up_bucket_size, rate), calls["signUp"]))
        if calls.get("recordViews"):
            size, rate = settings.record_views_bucket_size, settings.record_views_restore_per_second
            factor = settings.record_views_ip_factor
            assert context.request is not None
            device = context.request.headers.get(DEVICE_HEADER) or ""
            viewer = f"user:{context.user_id}" if context.user_id else f"device:{device[:128]}"
            buckets += [
                (Bucket(f"fanreel:rl:recordViews:{viewer}", size, rate), calls["recordViews"]),
                (Bucket(f"fanreel:rl:recordViews:ip:{ip}", size * factor, rate * factor), calls["recordViews"]),
            ]
        return buckets

    def get_results(self) -> dict[str, Any]:
        settings, bucket = self.settings, self.metered.bucket
        status = None
        if bucket is not None and self.metered.level is not None:
            status = {
                "maximumAvailable": bucket.size,
                "currentlyAvailable": int(self.metered.level),
                "restoreRate": settings.rate_limit_restore_rate,
            }
        return {
            "cost": {
                "requestedQueryCost": self.metered.requested,
                "actualQueryCost": self.metered.actual,
                "throttleStatus": status,
            }
        }


def _too_costly(cost: Cost, settings: Settings) -> GraphQLError:
    return GraphQLError(
        f"Query cost {cost.points} (nodes {cost.nodes}) is over the limit of {settings.max_query_cost} "
        f"points and {settings.max_query_nodes} nodes: ask for smaller pages or fewer nested lists.",
        extensions={
            "code": "QUERY_TOO_COSTLY",
            "cost": cost.points,
            "nodes": cost.nodes,
            "maximumCost": settings.max_query_cost,
            "maximumNodes": settings.max_query_nodes,
        },
    )


def _code(error: GraphQLError) -> str:
    code = (error.extensions or {}).get("code")
    if isinstance(code, str):
        return code
    # not masked yet (the masking extension may run after this one) or a validation error
    return "INTERNAL_SERVER_ERROR" if error.original_error is not None else "GRAPHQL_VALIDATION_FAILED"


def _without_suggestions(error: GraphQLError) -> GraphQLError:
    """Production hides "Did you mean ...?": it hands out the schema that introspection keeps closed."""
    message = SUGGESTION.sub("", error.message)
    if message == error.message:
        return error
    return GraphQLError(
        message, error.nodes, error.source, error.positions, error.path, error.original_error, error.extensions
    )


def _operation_name(execution_context: Any) -> str | None:
    document = execution_context.graphql_document
    operation = get_operation_ast(document, None) if document is not None else None
    if operation is None:
        return None
    if operation.name:
        return str(operation.name.value)
    return str(operation.operation.value)
