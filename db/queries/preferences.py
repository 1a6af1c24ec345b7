"""Feed preferences and "see less" (RULES §10): how a viewer steers feed, trending and search.

`steered` is the SQL condition those lists apply on top of `safety.hidden_creator`: the video's
rating is within the viewer's limit, and none of the viewer's see-less entries (creator, character,
term) matches it. The viewer is $1; signed out (NULL) nothing is filtered.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

import asyncpg

# The viewer's mode, MIXED without a row (an InitPlan: read once per statement).
MODE = "coalesce((SELECT fp.mode FROM feed_preferences fp WHERE fp.user_id = $1), 'MIXED')"


def steered(video: str) -> str:
    """SQL: the video aliased `video` passes the viewer's rating limit and see-less entries."""
    return f"({creator_steered(f'{video}.creator_id')} AND {video_steered(video)})"


def creator_steered(creator: str) -> str:
    """SQL: the viewer has no see-less of the creator `creator` (a per-creator check: a list of one
    creator's videos, such as the feed's followed creators, makes it once per creator)."""
    return f"""NOT EXISTS (SELECT 1 FROM see_less s
                    WHERE s.user_id = $1 AND s.kind = 'CREATOR' AND s.subject_id = {creator})"""


def video_steered(video: str) -> str:
    """SQL: the video's rating is within the limit; no see-less of its characters or of a term in it."""
    return f"""(rating_level({video}.rating) <= coalesce(
        (SELECT rating_level(fp.max_rating) FROM feed_preferences fp WHERE fp.user_id = $1), 4)
    AND NOT EXISTS (SELECT 1 FROM video_licenses sl JOIN see_less s
                    ON s.user_id = $1 AND s.kind = 'CHARACTER' AND s.subject_id = sl.character_id
                    WHERE sl.video_id = {video}.id)
    AND NOT EXISTS (SELECT 1 FROM see_less s
                    WHERE s.user_id = $1 AND s.term IS NOT NULL AND {video}.search_document @@ s.query))"""


@dataclass(frozen=True)
class Preferences:
    mode: str
    max_rating: str


@dataclass(frozen=True)
class SeeLess:
    kind: str
    subject_id: UUID | None
    term: str | None


GET = "SELECT mode, max_rating FROM feed_preferences WHERE user_id = $1"


async def get(conn: asyncpg.Connection, *, user_id: UUID) -> Preferences:
    row = await conn.fetchrow(GET, user_id)
    return Preferences(row["mode"], row["max_rating"]) if row else Preferences("MIXED", "R")


SET = """
INSERT INTO feed_preferences (user_id, mode, max_rating) VALUES ($1, coalesce($2, 'MIXED'), coalesce($3, 'R'))
ON CONFLICT (user_id) DO UPDATE
SET mode = coalesce($2, feed_preferences.mode), max_rating = coalesce($3, feed_preferences.max_rating)
"""


async def set_preferences(conn: asyncpg.Connection, *, user_id: UUID, mode: str | None, max_rating: str | None) -> None:
    """Change what is given (None keeps what was set)."""
    await conn.execute(SET, user_id, mode, max_rating)


SEE_LESS = "SELECT kind, subject_id, term FROM see_less WHERE user_id = $1 ORDER BY created_at, kind, term"


async def see_less_of(conn: asyncpg.Connection, *, user_id: UUID) -> list[SeeLess]:
    """The viewer's see-less entries, oldest first."""
    return [SeeLess(row["kind"], row["subject_id"], row["term"]) for row in await conn.fetch(SEE_LESS, user_id)]


ADD_SUBJECT = """
INSERT INTO see_less (user_id, kind, subject_id) VALUES ($1, $2, $3)
ON CONFLICT (user_id, kind, subject_id) WHERE subject_id IS NOT NULL DO NOTHING
"""
REMOVE_SUBJECT = "DELETE FROM see_less WHERE user_id = $1 AND kind = $2 AND subject_id = $3"


async def see_less_subject(conn: asyncpg.Connection, *, user_id: UUID, kind: str, subject_id: UUID, undo: bool) -> None:
    await conn.execute(REMOVE_SUBJECT if undo else ADD_SUBJECT, user_id, kind, subject_id)


# The term is stored in its normalised form; its query is that form's English lexemes as a phrase,
# matched against search_document: "cats dancing" hides "a cat dances" (stemmed, in that order).
ADD_TERM = """
INSERT INTO see_less (user_id, kind, term, query) VALUES ($1, 'TERM', $2, phraseto_tsquery('english', $2))
ON CONFLICT (user_id, term) WHERE term IS NOT NULL DO NOTHING
"""
REMOVE_TERM = "DELETE FROM see_less WHERE user_id = $1 AND term = $2"
HAS_LEXEMES = "SELECT numnode(phraseto_tsquery('english', $1)) > 0"


async def see_less_term(conn: asyncpg.Connection, *, user_id: UUID, term: str, undo: bool) -> None:
    await conn.execute(REMOVE_TERM if undo else ADD_TERM, user_id, term)


async def has_lexemes(conn: asyncpg.Connection, *, term: str) -> bool:
    """Whether the term has words search can match (not only stop words)."""
    return bool(await conn.fetchval(HAS_LEXEMES, term))
