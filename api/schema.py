"""The served schema: every feature's queries, mutations and types merged into one."""

from __future__ import annotations

from pathlib import Path

import strawberry
from graphql import GraphQLError
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext

from api.accounts.leaving import LeavingMutations
from api.accounts.mutations import AccountMutations
from api.accounts.queries import AccountQueries
from api.activity.mutations import ActivityMutations
from api.activity.subscriptions import ActivitySubscriptions
from api.characters.mutations import CharacterMutations
from api.characters.queries import CharacterQueries
from api.claims.mutations import ClaimMutations
from api.execution import PlainFieldsExecutor, call_resolvers_directly
from api.extensions import default_extensions
from api.feed.preferences import PreferenceMutations
from api.feed.queries import FeedQueries
from api.feed.search import SearchQueries
from api.holders.mutations import HolderMutations
from api.holders.verification import VerificationMutations, VerificationQueries
from api.node import NodeQueries
from api.payouts.mutations import PayoutMutations
from api.remix.mutations import RemixMutations
from api.remix.queries import RemixQueries
from api.safety.mutations import SafetyMutations
from api.safety.queries import SafetyQueries
from api.scalars import SCALAR_MAP
from api.social.mutations import SocialMutations
from api.videos.mutations import VideoMutations
from api.videos.subscriptions import VideoSubscriptions
from api.views.devices import DeviceMutations
from api.views.mutations import ViewMutations, serve_natively

Query = merge_types(
    "Query",
    (
        NodeQueries,
        AccountQueries,
        CharacterQueries,
        RemixQueries,
        FeedQueries,
        VerificationQueries,
        SafetyQueries,
        SearchQueries,
    ),
)
Mutation = merge_types(
    "Mutation",
    (
        AccountMutations,
        HolderMutations,
        CharacterMutations,
        RemixMutations,
        VideoMutations,
        SocialMutations,
        ActivityMutations,
        ViewMutations,
        VerificationMutations,
        DeviceMutations,
        LeavingMutations,
        ClaimMutations,
        PayoutMutations,
        SafetyMutations,
        PreferenceMutations,
    ),
)
Subscription = merge_types("Subscription", (VideoSubscriptions, ActivitySubscriptions))


class FanreelSchema(strawberry.Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        # Unexpected errors are logged, with the request id, by MaskUnexpectedErrors; the rest
        # (validation, UNAUTHENTICATED, FORBIDDEN) are the client's business, not the log's.
        return None


def build_schema() -> FanreelSchema:
    built = FanreelSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=default_extensions(),
        config=StrawberryConfig(scalar_map=SCALAR_MAP),
        execution_context_class=PlainFieldsExecutor,
    )
    serve_natively(built)  # recordViews skips strawberry's per-event argument conversion
    call_resolvers_directly(built)
    return built


schema = build_schema()
SDL_PATH = Path(__file__).resolve().parent.parent / "schema.graphql"
