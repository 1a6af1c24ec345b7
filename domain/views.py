"""Which view events are stored and which count as qualified views (RULES.md §5), without I/O.

`plan` takes one recordViews call (the events, what the database knows about their videos and the
viewer's day so far) and decides, per event: refused (with the field at fault), a duplicate, or
stored, and if stored whether it qualifies. The caller runs it under a per-viewer lock, so what it
was told about the viewer's stored events is still true when the plan is written.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import NamedTuple
from uuid import UUID

from domain.errors import ErrorCode, FieldError

MAX_EVENTS_PER_CALL = 500
MAX_CLIENT_EVENT_ID_LENGTH = 128
MAX_AGE = timedelta(hours=24)
MAX_AHEAD = timedelta(minutes=5)
# Device ids are opaque client-generated strings (a UUID, an install id); this keeps them sane.
DEVICE_ID = re.compile(r"[A-Za-z0-9._:\-]{8,128}")
# Anonymous viewers' ids: uuid5 of the device id in this namespace (never equal to a user's uuid4).
DEVICE_NAMESPACE = UUID("6f0c8d1e-2a4b-5c6d-8e9f-0a1b2c3d4e5f")


@dataclass(frozen=True)
class ViewConfig:
    qualify_ms: int = 3000
    max_qualified_per_day: int = 1000
    # RULES §11: anonymous views qualifying per client IP and UTC day (None or 0: no cap).
    max_anonymous_per_ip_per_day: int | None = None


@dataclass(frozen=True)
class Viewer:
    """Who views: a signed-in user (`user_id` set), else a device; `id` keys their events."""

    id: UUID
    user_id: UUID | None
    # The registered device (domain.devices) an anonymous viewer is; None for a signed-in user.
    device_id: UUID | None = None

    @classmethod
    def user(cls, user_id: UUID) -> Viewer:
        return cls(user_id, user_id)

    @classmethod
    def device(cls, device_id: str) -> Viewer:
        if not DEVICE_ID.fullmatch(device_id):
            raise ValueError("a device id is 8-128 letters, digits or . _ : -")
        return cls(uuid.uuid5(DEVICE_NAMESPACE, device_id), None)

    @classmethod
    def registered(cls, device_id: UUID) -> Viewer:
        return cls(uuid.uuid5(DEVICE_NAMESPACE, device_id.hex), None, device_id)

    @property
    def anonymous(self) -> bool:
        return self.user_id is None


# The per-event records are NamedTuples, not dataclasses: a call builds hundreds of them, and
# recordViews is the hottest path of the API.
class ViewEvent(NamedTuple):
    video_id: UUID | None  # None: the ID sent is not a video's
    watched_ms: int
    client_event_id: str
    occurred_at: datetime | None  # None: at receipt


class VideoFacts(NamedTuple):
    """What qualification needs to know about one video, for the viewer of the call."""

    id: UUID
    creator_id: UUID
    published_at: datetime | None
    unpublished_at: datetime | None
    duration_seconds: int
    # Of a holder of one of the video's characters; for a device: it was used while signed in as the
    # creator or as such a member (RULES §11), so its views are theirs.
    viewer_is_member: bool

    @property
    def max_watched_ms(self) -> int:
        """RULES §11: a view counts at most the video's duration and one second."""
        return self.duration_seconds * 1000 + 1000

    def recordable_by(self, viewer: Viewer) -> bool:
        """Views of videos the viewer could ever have watched: once published, or their own or their holders'."""
        return self.published_at is not None or self.viewer_is_member or self.creator_id == viewer.user_id

    def published_at_time(self, at: datetime) -> bool:
        if self.published_at is None or at < self.published_at:
            return False
        return self.unpublished_at is None or at < self.unpublished_at


@dataclass(frozen=True)
class ViewerDays:
    """The viewer's qualified views already stored, on the UTC days the call concerns."""

    counts: Mapping[date, int] = field(default_factory=dict)
    videos: frozenset[tuple[date, UUID]] = frozenset()


class Stored(NamedTuple):
    position: int  # in the call's input
    event: ViewEvent
    video_id: UUID
    occurred_at: datetime
    qualified: bool
    watched_ms: int  # as sent, at most the video's duration + 1 s


@dataclass(frozen=True)
class Plan:
    stored: tuple[Stored, ...]
    duplicates: int
    errors: tuple[FieldError, ...]

    @property
    def qualified(self) -> int:
        return sum(1 for s in self.stored if s.qualified)

    def qualified_per_day(self) -> dict[date, int]:
        days: dict[date, int] = {}
        for s in self.stored:
            if s.qualified:
                day = utc_day(s.occurred_at)
                days[day] = days.get(day, 0) + 1
        return days


def utc_day(at: datetime) -> date:
    return at.astimezone(UTC).date()


def threshold_ms(duration_seconds: int, qualify_ms: int) -> int:
    """Watch time that qualifies a view: QUALIFY_MS, or half the video when that is shorter."""
    return min(qualify_ms, duration_seconds * 1000 // 2)


def days_concerned(now: datetime) -> list[date]:
    """The UTC days an accepted event can fall on (from 24 h ago to 5 min ahead)."""
    first, last = utc_day(now - MAX_AGE), utc_day(now + MAX_AHEAD)
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def event_errors(index: int, event: ViewEvent, now: datetime) -> list[FieldError]:
    """What is wrong with an event on its own (the video aside)."""
    errors = []
    if event.watched_ms < 0:
        errors.append(_invalid(index, "watchedMs", "Watch time must not be negative."))
    if not 1 <= len(event.client_event_id) <= MAX_CLIENT_EVENT_ID_LENGTH:
        message = f"A client event ID is 1-{MAX_CLIENT_EVENT_ID_LENGTH} characters."
        errors.append(_invalid(index, "clientEventId", message))
    at = event.occurred_at or now
    if at < now - MAX_AGE:
        errors.append(_invalid(index, "occurredAt", "Views older than 24 hours are refused."))
    elif at > now + MAX_AHEAD:
        errors.append(_invalid(index, "occurredAt", "Views more than 5 minutes ahead are refused."))
    return errors


def _invalid(index: int, name: str, message: str) -> FieldError:
    return FieldError(ErrorCode.INVALID, message, ("input", str(index), name))


def _unknown_video(index: int) -> FieldError:
    return FieldError(ErrorCode.NOT_FOUND, "No such video.", ("input", str(index), "videoId"))


def plan(
    events: Sequence[ViewEvent],
    *,
    viewer: Viewer,
    now: datetime,
    videos: Mapping[UUID, VideoFacts],
    stored_ids: Iterable[str],
    days: ViewerDays,
    config: ViewConfig,
    ip_days: Mapping[date, int] | None = None,
) -> Plan:
    """Refused, duplicate or stored, and qualified or not, for each event of one call.

    `stored_ids` are the viewer's client event ids already stored (among this call's); `days` the
    viewer's qualified views already stored on the days concerned; `ip_days` (anonymous viewers) the
    qualified anonymous views of the client's IP on those days. Events qualify in the order they
    happened (then the order sent): the first of a video and day, while the day's caps are not reached.
    """
    errors: list[FieldError] = []
    seen = set(stored_ids)
    duplicates = 0
    accepted: list[tuple[int, ViewEvent, VideoFacts, datetime]] = []
    for index, event in enumerate(events):
        facts = videos.get(event.video_id) if event.video_id is not None else None
        problems = event_errors(index, event, now)
        if facts is None or not facts.recordable_by(viewer):
            errors.extend([_unknown_video(index), *problems])
        elif problems:
            errors.extend(problems)
        elif event.client_event_id in seen:
            duplicates += 1
        else:
            seen.add(event.client_event_id)
            accepted.append((index, event, facts, event.occurred_at or now))
    ip_cap = config.max_anonymous_per_ip_per_day if viewer.anonymous and ip_days is not None else None
    qualified = _qualify(accepted, viewer, days, config, (ip_cap, dict(ip_days or {})))
    stored = tuple(
        Stored(index, event, facts.id, at, index in qualified, min(event.watched_ms, facts.max_watched_ms))
        for index, event, facts, at in accepted
    )
    return Plan(stored, duplicates, tuple(errors))


def eligible(event: ViewEvent, facts: VideoFacts, viewer: Viewer, at: datetime, config: ViewConfig) -> bool:
    """Every condition of a qualified view that does not depend on the viewer's other views."""
    if not facts.published_at_time(at):
        return False
    if event.watched_ms < threshold_ms(facts.duration_seconds, config.qualify_ms):
        return False
    return not (facts.viewer_is_member or facts.creator_id == viewer.user_id)


def _qualify(
    accepted: Sequence[tuple[int, ViewEvent, VideoFacts, datetime]],
    viewer: Viewer,
    days: ViewerDays,
    config: ViewConfig,
    ip: tuple[int | None, dict[date, int]],
) -> set[int]:
    ip_cap, ip_counts = ip
    counts = dict(days.counts)
    taken = set(days.videos)
    qualified: set[int] = set()
    days_of: dict[datetime, date] = {}  # most events of a call share one time: their receipt
    for index, event, facts, at in sorted(accepted, key=lambda item: (item[3], item[0])):
        day = days_of.get(at) or days_of.setdefault(at, utc_day(at))
        if not eligible(event, facts, viewer, at, config) or (day, facts.id) in taken:
            continue
        if counts.get(day, 0) >= config.max_qualified_per_day:
            continue
        if ip_cap is not None and ip_counts.get(day, 0) >= ip_cap:
            continue
        ip_counts[day] = ip_counts.get(day, 0) + 1
        taken.add((day, facts.id))
        counts[day] = counts.get(day, 0) + 1
        qualified.add(index)
    return qualified
