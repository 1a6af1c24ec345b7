"""Activity kinds and who may see which of them on a character's live channel (RULES §issue 5)."""

from __future__ import annotations

from enum import StrEnum


class ActivityKind(StrEnum):
    VIDEO_DRAFTED = "VIDEO_DRAFTED"
    REVIEW_REQUESTED = "REVIEW_REQUESTED"
    VIDEO_PUBLISHED = "VIDEO_PUBLISHED"
    VIDEO_REJECTED = "VIDEO_REJECTED"
    VIDEO_TAKEN_DOWN = "VIDEO_TAKEN_DOWN"
    POLICY_PUBLISHED = "POLICY_PUBLISHED"
    VIDEO_LIKED = "VIDEO_LIKED"
    VIDEO_COMMENTED = "VIDEO_COMMENTED"
    VIDEO_REMIXED = "VIDEO_REMIXED"
    NEW_FOLLOWER = "NEW_FOLLOWER"
    # To a reporter: the moderation outcome of their report (RULES §10).
    REPORT_ACTIONED = "REPORT_ACTIONED"
    REPORT_DISMISSED = "REPORT_DISMISSED"
    # Claims and appeals (RULES §8, issue 14)
    CLAIM_FILED = "CLAIM_FILED"
    CLAIM_DISPUTED = "CLAIM_DISPUTED"
    CLAIM_RESOLVED = "CLAIM_RESOLVED"
    APPEAL_FILED = "APPEAL_FILED"


# What people do and make: hidden from a recipient when its actor, or the creator of its video, is
# suspended or in a block with the recipient (RULES §10). Rights holders' duties (reviews, claims)
# and moderation outcomes always reach them.
SOCIAL_KINDS = frozenset(
    {
        ActivityKind.VIDEO_PUBLISHED,
        ActivityKind.VIDEO_LIKED,
        ActivityKind.VIDEO_COMMENTED,
        ActivityKind.VIDEO_REMIXED,
        ActivityKind.NEW_FOLLOWER,
    }
)

# The only kinds a character's followers (who are not members of its holder) are told about.
FOLLOWER_KINDS = frozenset({ActivityKind.VIDEO_PUBLISHED, ActivityKind.POLICY_PUBLISHED})


def reaches_followers(kind: ActivityKind) -> bool:
    """Whether an event of this kind fans out to the followers of the characters it concerns."""
    return kind in FOLLOWER_KINDS


def shown_on_character_channel(kind: ActivityKind, *, member: bool) -> bool:
    """Members of a character's holder see every event on it; its followers only the follower kinds
    (even when they hold a row of another kind for another reason, e.g. as the video's creator)."""
    return member or kind in FOLLOWER_KINDS
