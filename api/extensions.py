"""Schema extensions: query limits, error masking with request ids, parse/validation caches (api/limits)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from graphql import ArgumentNode, ASTValidationRule, GraphQLError, IntValueNode, ValidationRule
from strawberry.extensions import MaskErrors, SchemaExtension
from strawberry.extensions.max_aliases import create_validator as max_aliases_rule
from strawberry.extensions.query_depth_limiter import create_validator as max_depth_rule

from api.errors import ApiError

MAX_DEPTH = 12
MAX_ALIASES = 30
MAX_TOKENS = 5000
MAX_PAGE_SIZE = 100
INTERNAL_ERROR = "Internal server error"

logger = logging.getLogger("fanreel.api")


class PageSizeRule(ValidationRule):
    """`first` written as a literal above the page limit fails validation (variables: see pagination)."""

    def enter_argument(self, node: ArgumentNode, *_: Any) -> None:
        literal = node.value
        if node.name.value == "first" and isinstance(literal, IntValueNode) and int(literal.value) > MAX_PAGE_SIZE:
            self.report_error(GraphQLError(f"first must be at most {MAX_PAGE_SIZE}.", node))


def is_expected(error: GraphQLError) -> bool:
    """Validation errors and ApiErrors reach clients as they are; everything else is masked."""
    return error.original_error is None or isinstance(error.original_error, ApiError | GraphQLError)


class MaskUnexpectedErrors(MaskErrors):
    """Replaces unexpected errors by "Internal server error" plus the request id that the log has."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=lambda error: not is_expected(error), error_message=INTERNAL_ERROR)

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        logger.error(
            "request %s: unexpected error at %s", request_id_of(self), error.path, exc_info=error.original_error
        )
        masked = super().anonymise_error(error)
        masked.extensions = {"code": "INTERNAL_SERVER_ERROR", "requestId": request_id_of(self)}
        return masked


def request_id_of(extension: SchemaExtension) -> str:
    return str(getattr(extension.execution_context.context, "request_id", "-"))


# The limit rules are classes built once: the validation cache keys on the rule classes, and
# QueryDepthLimiter/MaxAliasesLimiter build new ones per instance, so every validation missed.
LIMIT_RULES: list[type[ASTValidationRule]] = [
    max_depth_rule(MAX_DEPTH, None),
    max_aliases_rule(MAX_ALIASES),
    PageSizeRule,
]


def default_extensions() -> list[Callable[[], SchemaExtension]]:
    """Factories: strawberry builds fresh extensions per operation (the caches are shared module-wide)."""
    from api.limits.documents import CachedDocuments  # these import api.pagination, which imports this
    from api.limits.extension import CostAndRateLimits

    return [MaskUnexpectedErrors, CostAndRateLimits, CachedDocuments]
