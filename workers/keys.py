"""Every Redis key and queue name fanreel uses, in one place.

The `{fanreel}` hash tag keeps them in one Redis Cluster slot, so multi-key operations
(arq's queue and job keys) keep working when Redis is clustered.
"""

from __future__ import annotations

from uuid import UUID

PREFIX = "{fanreel}"
QUEUE = f"{PREFIX}:queue"
HEALTH_CHECK = f"{PREFIX}:worker-health"


def generate_job_id(video_id: UUID) -> str:
    """Derived from the video id, so re-enqueueing a queued generation is a no-op."""
    return f"generate:{video_id}"


def video_status_channel(video_id: UUID) -> str:
    """Pub/sub channel carrying a video's status changes to every API process."""
    return f"{PREFIX}:video-status:{video_id}"


def activity_inbox_channel(user_id: UUID) -> str:
    """Pub/sub channel carrying the ids of the events a user has just received (Subscription.activity)."""
    return f"{PREFIX}:activity-inbox:{user_id}"


def character_activity_channel(character_id: UUID) -> str:
    """Pub/sub channel carrying the ids of the events concerning a character (Subscription.characterActivity)."""
    return f"{PREFIX}:character-activity:{character_id}"
