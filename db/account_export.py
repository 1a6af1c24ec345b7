"""exportMyData (RULES §11): everything the platform keeps about one user, as one JSON document:
profile, videos, comments, likes, follows, memberships, wallet entries and earnings. One statement."""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

import asyncpg

EXPORT = """
SELECT json_build_object(
  'profile', (SELECT json_build_object('id', u.id, 'handle', u.handle, 'displayName', u.display_name,
                                      'email', u.email, 'createdAt', u.created_at)
              FROM users u WHERE u.id = $1),
  'videos', coalesce((SELECT json_agg(json_build_object(
        'id', v.id, 'prompt', v.prompt, 'caption', v.caption, 'status', v.status, 'remixOf', v.remix_of_id,
        'durationSeconds', v.duration_seconds, 'costMicros', v.cost_micros, 'createdAt', v.created_at,
        'publishedAt', v.published_at, 'mediaKey', v.media_key,
        'characters', (SELECT coalesce(json_agg(c.name ORDER BY l.position), '[]') FROM video_licenses l
                       JOIN characters c ON c.id = l.character_id WHERE l.video_id = v.id))
        ORDER BY v.created_at) FROM videos v WHERE v.creator_id = $1), '[]'),
  'comments', coalesce((SELECT json_agg(json_build_object('id', c.id, 'videoId', c.video_id, 'body', c.body,
        'createdAt', c.created_at) ORDER BY c.created_at) FROM comments c WHERE c.author_id = $1), '[]'),
  'likes', coalesce((SELECT json_agg(json_build_object('videoId', k.video_id, 'createdAt', k.created_at)
        ORDER BY k.created_at) FROM video_likes k WHERE k.user_id = $1), '[]'),
  'following', coalesce((SELECT json_agg(u.handle ORDER BY u.handle) FROM user_follows f
        JOIN users u ON u.id = f.followee_id WHERE f.follower_id = $1), '[]'),
  'followers', coalesce((SELECT json_agg(u.handle ORDER BY u.handle) FROM user_follows f
        JOIN users u ON u.id = f.follower_id WHERE f.followee_id = $1), '[]'),
  'followedCharacters', coalesce((SELECT json_agg(c.name ORDER BY c.name) FROM character_follows f
        JOIN characters c ON c.id = f.character_id WHERE f.user_id = $1), '[]'),
  'holders', coalesce((SELECT json_agg(json_build_object('id', h.id, 'name', h.name, 'kind', h.kind))
        FROM holder_members m JOIN holders h ON h.id = m.holder_id WHERE m.user_id = $1), '[]'),
  'walletEntries', coalesce((SELECT json_agg(json_build_object('transactionId', t.id, 'kind', t.kind,
        'memo', t.memo, 'videoId', t.video_id, 'amountMicros', e.amount_micros, 'at', e.created_at)
        ORDER BY e.created_at, e.id)
        FROM ledger_accounts a JOIN ledger_entries e ON e.account_id = a.id
        JOIN ledger_transactions t ON t.id = e.transaction_id WHERE a.user_id = $1), '[]'),
  'earnings', coalesce((SELECT json_agg(json_build_object('party', r.party, 'videoId', r.item_video_id,
        'amountMicros', r.amount_micros, 'views', r.views, 'at', r.created_at) ORDER BY r.created_at)
        FROM revenue_credits r WHERE r.user_id = $1 AND r.amount_micros > 0), '[]')
)
"""


async def export_user(conn: asyncpg.Connection, *, user_id: UUID) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(await conn.fetchval(EXPORT, user_id))
    return document
