"""Lists of claims: a holder's, those on the viewer's videos, and a video's."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from api.claims.types import Claim, claim_connection, may_see_claim
from api.context import Info
from api.pagination import Connection, decode_cursor, page_size
from db.queries import claims
from domain.claims import ClaimStatus


async def claims_page(
    info: Info,
    *,
    holder_id: UUID | None = None,
    creator_id: UUID | None = None,
    first: int | None,
    after: str | None,
    status: ClaimStatus | None,
) -> Connection[Claim]:
    """The caller has checked that the viewer may see this list (a member, or the creator)."""
    size = page_size(first)
    keyset = decode_cursor(after, datetime.fromisoformat, UUID)
    async with info.context.pool.acquire() as conn:
        rows = await claims.claims_page(
            conn,
            holder_id=holder_id,
            creator_id=creator_id,
            status=ClaimStatus(status) if status else None,
            after=keyset,
            limit=size + 1,
        )
    for row in rows:
        info.context.loaders.claim.prime(row.id, row)
    return claim_connection(rows, size, after)


async def claims_of_video(info: Info, video_id: UUID) -> list[Claim]:
    """Open ones first; only for the creator and members of concerned holders (empty for others)."""
    rows = await info.context.loaders.claims_of_video.load(video_id) or []
    return [Claim.from_row(row) for row in rows if await may_see_claim(info, row)]
