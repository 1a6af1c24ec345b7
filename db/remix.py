"""A remix request, from raw input to a priced decision: the one path that `checkRemix`,
`createRemix` and the worker's re-evaluation share.

It gathers facts with queries (characters tagged, detected and inherited; their current
policies; the creator's memberships, approvals and mutual follows; today's generations)
and hands them to the pure rules in `domain`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from uuid import UUID

import asyncpg

from db.catalog import Catalog
from db.queries import characters as character_queries
from db.queries import policies, videos
from db.queries.videos import Video
from domain import policy, pricing
from domain.detection import Match, find_mentions
from domain.errors import DomainError, ErrorCode, FieldError
from domain.rating import Rating, rate_prompt

MAX_PROMPT_LENGTH = 2000


@dataclass(frozen=True)
class PricingConfig:
    price_per_second_micros: int
    free_per_day: int
    max_characters: int


@dataclass(frozen=True)
class RemixRequest:
    creator_id: UUID
    prompt: str
    character_ids: tuple[UUID, ...]
    remix_of_id: UUID | None
    duration_seconds: int


@dataclass(frozen=True)
class GenerationCounts:
    active: int  # in flight: QUEUED or GENERATING
    today: int  # started this UTC day


@dataclass(frozen=True)
class CharacterMatch:
    """Why a character is in a request: kind TAGGED, INHERITED, MENTIONED or a detection kind."""

    character_id: UUID
    kind: str
    text: str  # the prompt's words that matched ("" for TAGGED and INHERITED)
    alias: str | None  # the alias or descriptor matched


@dataclass(frozen=True)
class RemixPlan:
    characters: tuple[policy.CharacterFacts, ...]
    decision: policy.RemixDecision
    rating: Rating
    quote: pricing.Quote
    member_holder_ids: frozenset[UUID]
    counts: GenerationCounts
    matches: tuple[CharacterMatch, ...] = ()


async def plan_remix(
    conn: asyncpg.Connection, catalog: Catalog, config: PricingConfig, request: RemixRequest
) -> RemixPlan:
    """Validate, detect, evaluate and price; raise DomainError for input that cannot be planned."""
    _validate(request)
    inherited = await _inherited_characters(conn, request)
    detected, matches = await _detected_characters(conn, catalog, request.prompt)
    ordered = _unique([*request.character_ids, *detected, *inherited])
    evaluation, counts = await load_request(
        conn,
        creator_id=request.creator_id,
        prompt=request.prompt,
        duration_seconds=request.duration_seconds,
        character_ids=ordered,
        remix_of_character_ids=frozenset(inherited),
    )
    if len(evaluation.characters) < len(ordered):
        raise DomainError(FieldError(ErrorCode.NOT_FOUND, "Unknown character.", ("input", "characterIds")))
    evaluation = _without_unverified(evaluation, request.character_ids, inherited)
    facts = evaluation.characters
    if len(facts) > config.max_characters:
        message = f"A video may feature at most {config.max_characters} characters; this one has {len(facts)}."
        raise DomainError(FieldError(ErrorCode.INVALID, message, ("input", "characterIds")))
    quote = pricing.quote(
        duration_seconds=request.duration_seconds,
        price_per_second_micros=config.price_per_second_micros,
        generations_today=counts.today,
        free_per_day=config.free_per_day,
        characters=facts,
        member_holder_ids=evaluation.member_holder_ids,
    )
    decision = policy.evaluate(evaluation)
    kept = {c.character_id for c in facts}
    explained = tuple(
        m
        for m in (
            *(CharacterMatch(i, "TAGGED", "", None) for i in _unique(request.character_ids)),
            *matches,
            *(CharacterMatch(i, "INHERITED", "", None) for i in inherited),
        )
        if m.character_id in kept
    )
    return RemixPlan(facts, decision, evaluation.rating, quote, evaluation.member_holder_ids, counts, explained)


def denial_error(plan: RemixPlan) -> DomainError:
    """POLICY_DENIED, saying which words of the prompt brought in each refusing character."""
    error = policy.policy_denied(plan.decision)
    refusing = {reason.character_id for reason in plan.decision.denial_reasons}
    names = {c.character_id: c.name for c in plan.characters}
    why = [_because(names[m.character_id], m) for m in plan.matches if m.character_id in refusing]
    if not why:
        return error
    message = f"{error.errors[0].message} {'; '.join(dict.fromkeys(why))}."
    return DomainError(FieldError(ErrorCode.POLICY_DENIED, message), reasons=error.reasons)


def _because(name: str, match: CharacterMatch) -> str:
    if match.kind in ("TAGGED", "INHERITED"):
        return f"{name} is {'tagged' if match.kind == 'TAGGED' else 'in the video remixed'}"
    return f"“{match.text}” names {name} (“{match.alias}”, {match.kind.lower()})"


async def record_denial(conn: asyncpg.Connection, decision: policy.RemixDecision) -> None:
    """Count every DENY reason per character; nothing else of the refused request is kept."""
    denials = [(r.character_id, r.code.value) for r in decision.denial_reasons if r.character_id is not None]
    await policies.count_denied(conn, denials=denials)


def _without_unverified(
    evaluation: policy.Request, tagged: Sequence[UUID], inherited: Sequence[UUID]
) -> policy.Request:
    """Characters of holders not VERIFIED do nothing (RULES §11): not detected, not taggable but by
    their own members; a remix keeps what its source has. So a squatter's name refuses nothing."""
    kept = tuple(
        c
        for c in evaluation.characters
        if c.verified or c.character_id in inherited or (c.character_id in tagged and evaluation.is_member(c.holder_id))
    )
    return evaluation if len(kept) == len(evaluation.characters) else dataclasses.replace(evaluation, characters=kept)


def _validate(request: RemixRequest) -> None:
    errors = []
    if not 1 <= len(request.prompt.strip()) <= MAX_PROMPT_LENGTH:
        message = f"The prompt must be 1 to {MAX_PROMPT_LENGTH} characters."
        errors.append(FieldError(ErrorCode.INVALID, message, ("input", "prompt")))
    if not policy.MIN_DURATION_SECONDS <= request.duration_seconds <= policy.MAX_DURATION_SECONDS:
        message = f"Duration must be {policy.MIN_DURATION_SECONDS} to {policy.MAX_DURATION_SECONDS} seconds."
        errors.append(FieldError(ErrorCode.INVALID, message, ("input", "durationSeconds")))
    if errors:
        raise DomainError(errors)


REMIX_SOURCE = """
SELECT v.creator_id, v.status, coalesce(array_agg(l.character_id) FILTER (WHERE l.character_id IS NOT NULL), '{}')
    AS character_ids,
    EXISTS (SELECT 1 FROM users u WHERE u.id = v.creator_id AND u.suspended_at IS NOT NULL) AS creator_suspended
FROM videos v LEFT JOIN video_licenses l ON l.video_id = v.id
WHERE v.id = $1 GROUP BY v.id
"""


async def _inherited_characters(conn: asyncpg.Connection, request: RemixRequest) -> list[UUID]:
    if request.remix_of_id is None:
        return []
    row = await conn.fetchrow(REMIX_SOURCE, request.remix_of_id)
    # Only a published video (or one's own) can be remixed; anything else looks like it does not exist,
    # and so does a suspended creator's video (it left every public list: RULES §10).
    if (
        row is None
        or row["creator_suspended"]
        or (row["status"] != "PUBLISHED" and row["creator_id"] != request.creator_id)
    ):
        raise DomainError(FieldError(ErrorCode.NOT_FOUND, "No such video to remix.", ("input", "remixOfId")))
    return sorted(row["character_ids"])


async def _detected_characters(
    conn: asyncpg.Connection, catalog: Catalog, prompt: str
) -> tuple[list[UUID], list[CharacterMatch]]:
    """Characters the prompt names or @mentions, and how each matched, in prompt order."""
    detector = await catalog.detector(conn)
    handles = find_mentions(prompt)
    mentioned = await character_queries.cameos_by_handle(conn, handles=handles) if handles else {}
    explained: list[Match[UUID]] = detector.explain(prompt)
    matches = [CharacterMatch(m.key, m.kind.value, m.text, m.alias) for m in explained]
    matches += [CharacterMatch(i, "MENTIONED", f"@{handle}", handle) for handle, i in mentioned.items()]
    return sorted({m.key for m in explained}) + list(mentioned.values()), matches


def _unique(ids: Iterable[UUID]) -> list[UUID]:
    return list(dict.fromkeys(ids))


# A video made this UTC day (free generations and the daily quota count these).
TODAY = "created_at >= date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'"


def _request_facts(creator: str, characters: str, *, counts: bool = True) -> str:
    """What the rules need, in one statement, about the creator and the characters these SQL
    expressions name (`creator` may be NULL):
    - about the creator: memberships, approvals of these characters, mutual follows with the PERSON
      holders among theirs (the creator follows the holder's person and is followed back), and
      (`counts`) the generations counted by quotas and free generations;
    - each character that exists, with its holder's kind and its current policy: one row each
      (one row of NULLs when there are none), the creator's columns repeated."""
    active = f"(SELECT count(*) FROM videos WHERE creator_id = {creator} AND status IN ('QUEUED', 'GENERATING'))"
    today = f"(SELECT count(*) FROM videos WHERE creator_id = {creator} AND {TODAY})"
    return f"""
SELECT creator.*, c.*
FROM (SELECT
    array(SELECT holder_id FROM holder_members WHERE user_id = {creator}) AS member_holder_ids,
    array(SELECT character_id FROM creator_approvals WHERE user_id = {creator} AND character_id = ANY({characters}))
        AS approved_character_ids,
    array(SELECT h.id FROM holders h
          JOIN user_follows out_f ON out_f.follower_id = {creator} AND out_f.followee_id = h.person_user_id
          JOIN user_follows in_f ON in_f.follower_id = h.person_user_id AND in_f.followee_id = {creator}
          WHERE h.id IN (SELECT holder_id FROM characters WHERE id = ANY({characters}))) AS mutual_holder_ids,
    {active if counts else "NULL::bigint"} AS active,
    {today if counts else "NULL::bigint"} AS today
) creator
LEFT JOIN (
    SELECT c.id AS character_id, c.name, c.holder_id, h.kind AS holder_kind,
        h.verification = 'VERIFIED' AS holder_verified, {policies.CURRENT_POLICY_OF_C} AS policy
    FROM characters c JOIN holders h ON h.id = c.holder_id
    WHERE c.id = ANY({characters})
) c ON true
"""


REQUEST_FACTS = _request_facts("$1", "$2::uuid[]")


async def load_request(
    conn: asyncpg.Connection,
    *,
    creator_id: UUID | None,
    prompt: str,
    duration_seconds: int,
    character_ids: Sequence[UUID],
    remix_of_character_ids: frozenset[UUID] = frozenset(),
    rating: Rating | None = None,
) -> tuple[policy.Request, GenerationCounts]:
    """The evaluation facts about this creator (None: signed out) and these characters (those that
    exist, in the order given), and the creator's generation counts, in one query. `rating`: the
    prompt's, when already known."""
    rows = await conn.fetch(REQUEST_FACTS, creator_id, list(character_ids))
    request = _request(
        rows,
        creator_id=creator_id,
        prompt=prompt,
        duration_seconds=duration_seconds,
        character_ids=character_ids,
        remix_of_character_ids=remix_of_character_ids,
        rating=rating,
    )
    return request, GenerationCounts(rows[0]["active"], rows[0]["today"])


def _request(
    rows: Sequence[asyncpg.Record],
    *,
    creator_id: UUID | None,
    prompt: str,
    duration_seconds: int,
    character_ids: Sequence[UUID],
    remix_of_character_ids: frozenset[UUID],
    rating: Rating | None,
) -> policy.Request:
    """The evaluation request of the rows of `_request_facts`."""
    found = {row["character_id"]: row for row in rows if row["character_id"] is not None}
    characters = tuple(
        policy.CharacterFacts(
            i,
            found[i]["name"],
            found[i]["holder_id"],
            policy.HolderKind(found[i]["holder_kind"]),
            policies.published_policy(found[i]["policy"]).policy,
            found[i]["holder_verified"],
        )
        for i in character_ids
        if i in found
    )
    creator = rows[0]
    return policy.Request(
        creator_id=creator_id,
        prompt=prompt,
        duration_seconds=duration_seconds,
        rating=rate_prompt(prompt) if rating is None else rating,
        characters=characters,
        remix_of_character_ids=remix_of_character_ids,
        member_holder_ids=frozenset(creator["member_holder_ids"]),
        approved_character_ids=frozenset(creator["approved_character_ids"]),
        mutual_holder_ids=frozenset(creator["mutual_holder_ids"]),
    )


GENERATIONS_TODAY = f"SELECT count(*) FROM videos WHERE creator_id = $1 AND {TODAY}"


async def generations_today(conn: asyncpg.Connection, *, user_id: UUID) -> int:
    count: int = await conn.fetchval(GENERATIONS_TODAY, user_id)
    return count


async def reevaluate(conn: asyncpg.Connection, video: Video) -> policy.RemixDecision:
    """An existing video against its characters' current policies, with its own prompt and creator."""
    inherited: list[UUID] = []
    if video.remix_of_id is not None:
        source = await conn.fetchrow(REMIX_SOURCE, video.remix_of_id)
        inherited = list(source["character_ids"]) if source else []
    request, _ = await load_request(
        conn,
        creator_id=video.creator_id,
        prompt=video.prompt,
        duration_seconds=video.duration_seconds,
        character_ids=video.character_ids,
        remix_of_character_ids=frozenset(inherited),
        rating=Rating[video.rating],  # rated from its prompt when it was created
    )
    return policy.evaluate(request)


# The generation job's claim (videos.CLAIM_GENERATION: $1 the video, $2 the statuses it may be in)
# and what re-evaluating its video needs (the facts of `_request_facts` for its creator and
# characters, and the characters of the video it remixes), in one round trip: one row per character,
# the claim's columns repeated; no row when nothing was claimed.
CLAIM_AND_FACTS = f"""
WITH claimed AS ({videos.CLAIM_GENERATION})
SELECT claimed.*, facts.*,
    ARRAY(SELECT l.character_id FROM video_licenses l WHERE l.video_id = claimed.remix_of_id) AS inherited_ids
FROM claimed, LATERAL ({_request_facts("claimed.creator_id", "claimed.character_ids", counts=False)}) facts
"""


async def claim_and_reevaluate(
    conn: asyncpg.Connection, *, video_id: UUID, statuses: Sequence[str]
) -> tuple[videos.Claimed, policy.RemixDecision] | None:
    """`videos.claim_generation` and `reevaluate` of the claimed video, in one statement; None when
    the video was not in one of `statuses`."""
    rows = await conn.fetch(CLAIM_AND_FACTS, video_id, list(statuses))
    if not rows:
        return None
    claimed = videos.claimed(rows[0])
    video = claimed.video
    request = _request(
        rows,
        creator_id=video.creator_id,
        prompt=video.prompt,
        duration_seconds=video.duration_seconds,
        character_ids=video.character_ids,
        remix_of_character_ids=frozenset(rows[0]["inherited_ids"]),
        rating=Rating[video.rating],  # rated from its prompt when it was created
    )
    return claimed, policy.evaluate(request)
