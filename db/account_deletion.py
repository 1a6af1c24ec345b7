"""deleteAccount (RULES §11): in one transaction the account leaves every public surface.

Its videos become DELETED (every visibility rule already hides them; in-flight generations are
refunded, held fees too), its cameo stops being detected or licensable, its follows, likes,
comments, memberships and sessions go, and the user row stays, anonymised, because ledger accounts
point at it: every balance still verifies. The media files follow (workers/media_removal.py).
"""

from __future__ import annotations

import dataclasses
from uuid import UUID

import asyncpg

from db.fee_escrow import refund_held_fees
from db.generation import refund
from db.queries import characters, policies, videos
from domain.policy import Audience

IN_FLIGHT = ("QUEUED", "GENERATING")

LOCK_USER = "SELECT id FROM users WHERE id = $1 AND deleted_at IS NULL FOR UPDATE"
OWN_VIDEOS = "SELECT id FROM videos WHERE creator_id = $1 AND status <> 'DELETED' ORDER BY id"
# Each removal keeps the counters exact, as the social mutations do.
FORGET = [
    """WITH gone AS (DELETE FROM user_follows WHERE follower_id = $1 RETURNING followee_id)
       UPDATE users u SET follower_count = follower_count - 1 FROM gone WHERE u.id = gone.followee_id""",
    """WITH gone AS (DELETE FROM user_follows WHERE followee_id = $1 RETURNING follower_id)
       UPDATE users u SET following_count = following_count - 1 FROM gone WHERE u.id = gone.follower_id""",
    """WITH gone AS (DELETE FROM character_follows WHERE user_id = $1 RETURNING character_id)
       UPDATE characters c SET follower_count = follower_count - 1 FROM gone WHERE c.id = gone.character_id""",
    """WITH gone AS (DELETE FROM video_likes WHERE user_id = $1 RETURNING video_id)
       UPDATE videos v SET like_count = like_count - g.n
       FROM (SELECT video_id, count(*) AS n FROM gone GROUP BY video_id) g WHERE v.id = g.video_id""",
    """WITH gone AS (DELETE FROM comments WHERE author_id = $1 RETURNING video_id)
       UPDATE videos v SET comment_count = comment_count - g.n
       FROM (SELECT video_id, count(*) AS n FROM gone GROUP BY video_id) g WHERE v.id = g.video_id""",
    "DELETE FROM activities WHERE recipient_id = $1",
    "UPDATE activities SET actor_id = NULL WHERE actor_id = $1",
    "DELETE FROM holder_members WHERE user_id = $1",
    "DELETE FROM creator_approvals WHERE user_id = $1",
    "DELETE FROM device_users WHERE user_id = $1",
    "DELETE FROM auth_tokens WHERE user_id = $1",
    "UPDATE operator_grants SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL",
]
ANONYMISE = """
UPDATE users SET handle = 'deleted_' || left(replace(id::text, '-', ''), 20), display_name = 'Deleted account',
    email = 'deleted-' || replace(id::text, '-', '') || '@deleted.invalid', password_hash = '!',
    follower_count = 0, following_count = 0, deleted_at = now()
WHERE id = $1
"""
RETIRE_HOLDER = "UPDATE holders SET name = 'Deleted account' WHERE person_user_id = $1 RETURNING id"
# A name without letters: detection never matches it (and it no longer names the person).
RETIRE_CAMEO = "UPDATE characters SET name = '—', description = NULL, updated_at = now() WHERE id = $1"


async def delete_account(conn: asyncpg.Connection, *, user_id: UUID) -> list[UUID] | None:
    """The account's videos (whose media is to be removed), or None when it is already deleted.
    The caller runs this in a transaction and has checked the password."""
    if await conn.fetchval(LOCK_USER, user_id) is None:
        return None
    video_ids = [row["id"] for row in await conn.fetch(OWN_VIDEOS, user_id)]
    for video_id in video_ids:
        await _delete_video(conn, video_id)
    await _retire_cameo(conn, user_id)
    for statement in FORGET:
        await conn.execute(statement, user_id)
    await conn.execute(ANONYMISE, user_id)
    return video_ids


async def _delete_video(conn: asyncpg.Connection, video_id: UUID) -> None:
    video = await videos.lock_video(conn, video_id=video_id)
    assert video is not None
    await videos.unpublish(conn, video=video, status="DELETED", reason="The account was deleted.")
    if video.status in IN_FLIGHT:  # never finished: the whole charge goes back to the wallet
        await refund(conn, video)
    else:
        await refund_held_fees(conn, video_id=video.id, creator_id=video.creator_id)


async def _retire_cameo(conn: asyncpg.Connection, user_id: UUID) -> None:
    """The likeness is no longer detected (no aliases) nor usable: a last policy version opts it out."""
    cameo = (await characters.cameo_of_users(conn, user_ids=[user_id])).get(user_id)
    await conn.execute(RETIRE_HOLDER, user_id)
    if cameo is None:
        return
    await characters.lock_character(conn, character_id=cameo)
    await characters.replace_aliases(conn, character_id=cameo, aliases=[])
    await conn.execute(RETIRE_CAMEO, cameo)
    current = (await policies.current_policies(conn, character_ids=[cameo]))[cameo].policy
    closed = dataclasses.replace(current, audience=Audience.OPTED_OUT)
    await policies.publish_policy(conn, character_id=cameo, policy=closed, published_by=None)
