"""fileClaim, disputeClaim, resolveClaim and appeal (RULES §8). Each is one transaction; the other
side is told after commit."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

import asyncpg
import strawberry

from api.claims.types import Claim, ClaimActionType, may_see_claim
from api.context import Info
from api.errors import Forbidden, UserError, constraint_error, invalid, user_errors
from api.ids import decode_id
from api.videos.types import may_see
from db import claims as claim_service
from db.claims import ClaimRules
from db.crediting import split_config
from db.queries import activity, characters, claims, holders, policies, videos
from domain.claims import MAX_REASON_LENGTH, ClaimAction, ClaimKind, ClaimStatus
from domain.errors import DomainError, ErrorCode, FieldError


@strawberry.input
class FileClaimInput:
    video_id: strawberry.ID
    character_id: strawberry.ID
    action: ClaimActionType  # type: ignore[valid-type]
    reason: str


@strawberry.input
class DisputeClaimInput:
    claim_id: strawberry.ID
    reason: str


@strawberry.input
class ResolveClaimInput:
    claim_id: strawberry.ID
    uphold: bool
    response: str | None = None


@strawberry.input
class AppealInput:
    video_id: strawberry.ID
    reason: str


@strawberry.type
class ClaimPayload:
    claim: Claim | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


ONE_AT_A_TIME = {
    "claims_one_open_per_video": FieldError(ErrorCode.CONFLICT, "The video already has an open claim.", ("input",)),
    "claims_one_appeal_per_video": FieldError(ErrorCode.CONFLICT, "This video was already appealed.", ("input",)),
}


def rules(info: Info) -> ClaimRules:
    settings = info.context.services.settings
    return ClaimRules(dispute_days=settings.claim_dispute_days, response_days=settings.claim_response_days)


def _text(value: str | None, field: str, *, required: bool = True) -> str | None:
    text = (value or "").strip()
    if not text and not required:
        return None
    if not 1 <= len(text) <= MAX_REASON_LENGTH:
        raise DomainError(invalid(f"A {field} is 1-{MAX_REASON_LENGTH} characters.", "input", field))
    return text


def _not_found(what: str, field: str) -> DomainError:
    return DomainError(FieldError(ErrorCode.NOT_FOUND, f"No such {what}.", ("input", field)))


async def _video(info: Info, conn: asyncpg.Connection, global_id: str) -> videos.Video:
    raw_id = decode_id(global_id, "Video")
    video = await videos.lock_video(conn, video_id=raw_id) if raw_id else None
    if video is None or not await may_see(info, video):
        raise _not_found("video", "videoId")
    return video


async def _claim(info: Info, conn: asyncpg.Connection, global_id: str, *, resolving: bool = False) -> claims.Claim:
    raw_id = decode_id(global_id, "Claim")
    lock = claim_service.lock_for_resolution if resolving else claims.lock_claim
    claim = await lock(conn, claim_id=raw_id) if raw_id else None
    if claim is None or not await may_see_claim(info, claim):
        raise _not_found("claim", "claimId")
    return claim


async def _deciding_holders(conn: asyncpg.Connection, claim: claims.Claim, video: videos.Video) -> set[UUID]:
    """Who answers: the claimant for a claim; for an appeal, the holders that rejected the video or,
    for a takedown, the holders of its characters."""
    if claim.kind is ClaimKind.MISSED_CHARACTER:
        assert claim.holder_id is not None
        return {claim.holder_id}
    licenses = await videos.licenses_of(conn, video_ids=[video.id])
    if claim.appealed_status == "REJECTED":
        licenses = [lic for lic in licenses if lic.review == "REJECTED"] or licenses
    found = await characters.get_characters(conn, character_ids=[lic.character_id for lic in licenses])
    return {c.holder_id for c in found}


async def _done(info: Info, claim: claims.Claim, event: activity.Event) -> ClaimPayload:
    await activity.publish(info.context.services.redis, event)
    return ClaimPayload(claim=Claim.from_row(claim))


@strawberry.type
class ClaimMutations:
    @strawberry.mutation(
        description="A member of a holder claims a published video that features its character although "
        "detection missed it."
    )
    async def file_claim(self, info: Info, input: FileClaimInput) -> ClaimPayload:
        viewer_id = info.context.require_viewer()
        try:
            reason = _text(input.reason, "reason")
            assert reason is not None
            async with info.context.pool.acquire() as conn, conn.transaction():
                character_id = decode_id(input.character_id, "Character")
                character = await characters.get_character(conn, character_id=character_id) if character_id else None
                if character is None:
                    raise _not_found("character", "characterId")
                if not await holders.is_member(conn, holder_id=character.holder_id, user_id=viewer_id):
                    raise Forbidden("Only members of the character's holder may claim for it.")
                video = await _video(info, conn, input.video_id)
                action = ClaimAction(input.action)
                if action is ClaimAction.ADD_LICENSE and not await policies.current_policies(
                    conn, character_ids=[character.id]
                ):
                    raise DomainError(
                        FieldError(ErrorCode.CONFLICT, "The character has no policy to license.", ("input", "action"))
                    )
                claim, event = await claim_service.file_missed_character(
                    conn,
                    video=video,
                    character_id=character.id,
                    holder_id=character.holder_id,
                    filed_by=viewer_id,
                    action=action,
                    reason=reason,
                    now=datetime.now(UTC),
                    rules=rules(info),
                )
        except asyncpg.UniqueViolationError as exc:
            return ClaimPayload(user_errors=user_errors(constraint_error(exc, ONE_AT_A_TIME)))
        except DomainError as error:
            return ClaimPayload(user_errors=user_errors(error))
        return await _done(info, claim, event)

    @strawberry.mutation(description="The video's creator disputes an open claim before its deadline.")
    async def dispute_claim(self, info: Info, input: DisputeClaimInput) -> ClaimPayload:
        viewer_id = info.context.require_viewer()
        try:
            reason = _text(input.reason, "reason")
            assert reason is not None
            async with info.context.pool.acquire() as conn, conn.transaction():
                claim = await _claim(info, conn, input.claim_id)
                video = await videos.get_video(conn, video_id=claim.video_id)
                assert video is not None
                if video.creator_id != viewer_id:
                    raise Forbidden("Only the video's creator may dispute a claim on it.")
                claim, event = await claim_service.dispute(
                    conn, claim=claim, video=video, reason=reason, now=datetime.now(UTC), rules=rules(info)
                )
        except DomainError as error:
            return ClaimPayload(user_errors=user_errors(error))
        return await _done(info, claim, event)

    @strawberry.mutation(description="The holder answers a disputed claim or an appeal: uphold or release.")
    async def resolve_claim(self, info: Info, input: ResolveClaimInput) -> ClaimPayload:
        viewer_id = info.context.require_viewer()
        now = datetime.now(UTC)
        try:
            response = _text(input.response, "response", required=False)
            async with info.context.pool.acquire() as conn, conn.transaction():
                claim = await _claim(info, conn, input.claim_id, resolving=True)
                video = await videos.get_video(conn, video_id=claim.video_id)
                assert video is not None
                deciding = await _deciding_holders(conn, claim, video)
                if not deciding & await holders.member_holder_ids(conn, user_id=viewer_id):
                    raise Forbidden("Only members of the holder that must answer may resolve this.")
                if not claim_service.may_resolve(claim):
                    raise DomainError(
                        FieldError(ErrorCode.CONFLICT, f"A {claim.status} claim cannot be resolved now.", ("input",))
                    )
                if claim.deadline is not None and claim.deadline <= now:
                    raise DomainError(
                        FieldError(
                            ErrorCode.CONFLICT, "The deadline passed: the claim resolves by default.", ("input",)
                        )
                    )
                claim, event = await claim_service.resolve(
                    conn,
                    claim=claim,
                    status=ClaimStatus.UPHELD if input.uphold else ClaimStatus.RELEASED,
                    response=response,
                    actor_id=viewer_id,
                    now=now,
                    config=split_config(info.context.services.settings),
                )
        except DomainError as error:
            return ClaimPayload(user_errors=user_errors(error))
        return await _done(info, claim, event)

    @strawberry.mutation(description="The creator appeals a takedown or a review rejection, once per video.")
    async def appeal(self, info: Info, input: AppealInput) -> ClaimPayload:
        viewer_id = info.context.require_viewer()
        try:
            reason = _text(input.reason, "reason")
            assert reason is not None
            async with info.context.pool.acquire() as conn, conn.transaction():
                video = await _video(info, conn, input.video_id)
                if video.creator_id != viewer_id:
                    raise Forbidden("Only the video's creator may appeal.")
                claim, event = await claim_service.file_appeal(
                    conn, video=video, reason=reason, now=datetime.now(UTC), rules=rules(info)
                )
        except asyncpg.UniqueViolationError as exc:
            return ClaimPayload(user_errors=user_errors(constraint_error(exc, ONE_AT_A_TIME)))
        except DomainError as error:
            return ClaimPayload(user_errors=user_errors(error))
        return await _done(info, claim, event)
