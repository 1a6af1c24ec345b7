"""Parsing and validation done once per query text, with the limits every document must meet.

Clients send the same few query texts again and again, so each text is parsed, checked and
validated once, in LRU caches that every request shares (a refused document raises and is not
kept, so it is refused again each time):

- at most MAX_TOKENS tokens (graphql-core stops parsing there);
- no shape that only attackers write (api/limits/shape.py), checked before validation;
- the schema's validation rules plus LIMIT_RULES and NUL-free literals.

One extension with one hook per stage, instead of strawberry's ParserCache, MaxTokensLimiter,
ValidationCache and AddValidationRules beside a shape check of our own: those five took a hook
each on every request, the shape check walked the document every time, and ValidationCache keys
its cache on the document itself, whose hash walks the whole tree (a frozen dataclass per node).
Replacing them took a feed page from 12.41 to 11.76 M instructions (bench/feed_instructions.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache

from graphql import ASTValidationRule, DocumentNode, GraphQLError, GraphQLSchema, parse
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

from api.extensions import LIMIT_RULES, MAX_TOKENS
from api.limits.extension import NoNulInLiteralsRule
from api.limits.shape import shape_problem

CACHED_DOCUMENTS = 512
EXTRA_RULES = (*LIMIT_RULES, NoNulInLiteralsRule)


@lru_cache(maxsize=CACHED_DOCUMENTS)
def parsed(query: str) -> DocumentNode:
    """The document of `query`, within the token limit and of an acceptable shape (else GraphQLError)."""
    document = parse(query, max_tokens=MAX_TOKENS)
    problem = shape_problem(document)
    if problem is not None:
        raise GraphQLError(problem, extensions={"code": "GRAPHQL_VALIDATION_FAILED"})
    return document


@lru_cache(maxsize=CACHED_DOCUMENTS)
def validation_errors(
    schema: GraphQLSchema, query: str, rules: tuple[type[ASTValidationRule], ...]
) -> list[GraphQLError]:
    """What validating `query`'s document against `rules` finds (strawberry's own rules included)."""
    return validate_document(schema, parsed(query), rules)


class CachedDocuments(SchemaExtension):
    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        if context.query is not None:
            context.graphql_document = parsed(context.query)
        yield

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        if context.query is not None:
            rules = (*context.validation_rules, *EXTRA_RULES)
            context.pre_execution_errors = validation_errors(context.schema._schema, context.query, rules)
        yield
