"""A feed the viewer steers (RULES §10): mode, rating limit and "see less", each undoable."""

from __future__ import annotations

from enum import StrEnum
from uuid import UUID

import asyncpg
import strawberry

from api.accounts.types import load_user
from api.characters.types import load_character
from api.context import Info
from api.enums import ContentRatingType
from api.errors import UserError, invalid, user_errors
from api.ids import decode_id
from api.node import Node
from db.queries import characters, preferences, users
from domain.detection import normalize
from domain.errors import DomainError, ErrorCode, FieldError
from domain.rating import Rating

MAX_TERM_LENGTH = 100


class FeedMode(StrEnum):
    MIXED = "MIXED"
    FOLLOWING = "FOLLOWING"
    TRENDING = "TRENDING"


class SeeLessKind(StrEnum):
    CREATOR = "CREATOR"
    CHARACTER = "CHARACTER"
    TERM = "TERM"


FeedModeType = strawberry.enum(
    FeedMode,
    name="FeedMode",
    description="MIXED: followed creators and characters first, then trending (the default).",
)
SeeLessKindType = strawberry.enum(SeeLessKind, name="SeeLessKind")


@strawberry.type(name="SeeLess")
class SeeLess:
    kind: SeeLessKindType  # type: ignore[valid-type]
    term: str | None
    subject_id: strawberry.Private[UUID | None]

    @strawberry.field(description="The creator (User) or Character; null for a term.")
    async def node(self, info: Info) -> Node | None:
        if self.subject_id is None:
            return None
        if self.kind == SeeLessKind.CREATOR:
            return await load_user(info, self.subject_id)
        return await load_character(info, self.subject_id)


@strawberry.type(name="FeedPreferences")
class FeedPreferences:
    mode: FeedModeType  # type: ignore[valid-type]
    max_rating: ContentRatingType = strawberry.field(  # type: ignore[valid-type]
        description="Maximum content rating shown in feeds and search."
    )
    see_less: list[SeeLess]


async def feed_preferences(conn: asyncpg.Connection, user_id: UUID) -> FeedPreferences:
    prefs = await preferences.get(conn, user_id=user_id)
    entries = await preferences.see_less_of(conn, user_id=user_id)
    return FeedPreferences(
        mode=FeedMode(prefs.mode),
        max_rating=Rating[prefs.max_rating],
        see_less=[SeeLess(kind=SeeLessKind(e.kind), term=e.term, subject_id=e.subject_id) for e in entries],
    )


@strawberry.input
class FeedPreferencesInput:
    mode: FeedModeType | None = None  # type: ignore[valid-type]
    max_rating: ContentRatingType | None = None  # type: ignore[valid-type]


@strawberry.input
class SeeLessInput:
    kind: SeeLessKindType  # type: ignore[valid-type]
    subject_id: strawberry.ID | None = None
    term: str | None = None
    undo: bool | None = False


@strawberry.type
class FeedPreferencesPayload:
    preferences: FeedPreferences | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class PreferenceMutations:
    @strawberry.mutation(description="Changes what is given; null keeps the current value.")
    async def set_feed_preferences(self, info: Info, input: FeedPreferencesInput) -> FeedPreferencesPayload:
        viewer_id = info.context.require_viewer()
        mode = str(input.mode) if input.mode is not None else None
        max_rating = Rating(input.max_rating).name if input.max_rating is not None else None
        async with info.context.pool.acquire() as conn, conn.transaction():
            await preferences.set_preferences(conn, user_id=viewer_id, mode=mode, max_rating=max_rating)
            return FeedPreferencesPayload(preferences=await feed_preferences(conn, viewer_id))

    @strawberry.mutation(
        description="Shows less of a creator, character or term in feed, trending and search; undo: true reverts."
    )
    async def see_less(self, info: Info, input: SeeLessInput) -> FeedPreferencesPayload:
        viewer_id = info.context.require_viewer()
        kind = SeeLessKind(input.kind)
        try:
            async with info.context.pool.acquire() as conn, conn.transaction():
                if kind == SeeLessKind.TERM:
                    term = await _term(conn, input)
                    await preferences.see_less_term(conn, user_id=viewer_id, term=term, undo=bool(input.undo))
                else:
                    subject_id = await _subject(conn, kind, input)
                    await preferences.see_less_subject(
                        conn, user_id=viewer_id, kind=kind.value, subject_id=subject_id, undo=bool(input.undo)
                    )
                return FeedPreferencesPayload(preferences=await feed_preferences(conn, viewer_id))
        except DomainError as error:
            return FeedPreferencesPayload(user_errors=user_errors(error))


async def _term(conn: asyncpg.Connection, input: SeeLessInput) -> str:
    """The term's normalised form (RULES §10), when it has words search can match."""
    if input.subject_id is not None:
        raise DomainError(invalid("A term takes no subjectId.", "input", "subjectId"))
    term = normalize(input.term or "")
    if not term or len(term) > MAX_TERM_LENGTH or not await preferences.has_lexemes(conn, term=term):
        raise DomainError(
            invalid(f"A term is 1-{MAX_TERM_LENGTH} letters of words, not only stop words.", "input", "term")
        )
    return term


async def _subject(conn: asyncpg.Connection, kind: SeeLessKind, input: SeeLessInput) -> UUID:
    """The creator's or character's id, when it exists."""
    if input.term is not None:
        raise DomainError(invalid(f"A {kind} takes a subjectId, not a term.", "input", "term"))
    type_name = "User" if kind == SeeLessKind.CREATOR else "Character"
    raw_id = decode_id(input.subject_id, type_name) if input.subject_id is not None else None
    exists = False
    if raw_id is not None and kind == SeeLessKind.CREATOR:
        exists = bool(await users.get_users(conn, user_ids=[raw_id]))
    elif raw_id is not None:
        exists = await characters.get_character(conn, character_id=raw_id) is not None
    if raw_id is None or not exists:
        raise DomainError(FieldError(ErrorCode.NOT_FOUND, f"No such {type_name.lower()}.", ("input", "subjectId")))
    return raw_id
