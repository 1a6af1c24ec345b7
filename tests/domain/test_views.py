"""Qualification of view events (RULES §5) as a pure function: refusals, duplicates, first of the day, cap."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import ErrorCode
from domain.views import (
    MAX_AGE,
    Plan,
    VideoFacts,
    ViewConfig,
    Viewer,
    ViewerDays,
    ViewEvent,
    days_concerned,
    plan,
    threshold_ms,
    utc_day,
)

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
CONFIG = ViewConfig()
FAN = Viewer.user(uuid4())
CREATOR = uuid4()


def video(**overrides: object) -> VideoFacts:
    values: dict[str, object] = {
        "id": uuid4(),
        "creator_id": CREATOR,
        "published_at": NOW - timedelta(days=2),
        "unpublished_at": None,
        "duration_seconds": 10,
        "viewer_is_member": False,
    }
    return VideoFacts(**(values | overrides))  # type: ignore[arg-type]


def event(
    facts: VideoFacts | None, watched_ms: int = 5000, client_id: str | None = None, at: datetime | None = None
) -> ViewEvent:
    return ViewEvent(facts.id if facts else None, watched_ms, uuid4().hex if client_id is None else client_id, at)


def run(
    events: list[ViewEvent],
    *facts: VideoFacts,
    viewer: Viewer = FAN,
    stored: set[str] | None = None,
    days: ViewerDays | None = None,
    config: ViewConfig = CONFIG,
) -> Plan:
    return plan(
        events,
        viewer=viewer,
        now=NOW,
        videos={f.id: f for f in facts},
        stored_ids=stored or set(),
        days=days or ViewerDays(),
        config=config,
    )


def test_threshold_is_qualify_ms_or_half_the_video() -> None:
    assert threshold_ms(10, 3000) == 3000
    assert threshold_ms(4, 3000) == 2000
    assert threshold_ms(1, 3000) == 500


def test_a_view_watched_long_enough_of_a_published_video_qualifies() -> None:
    v = video()
    result = run([event(v, 3000), event(video(duration_seconds=4), 1999)], v)
    assert [s.qualified for s in result.stored] == [True]  # the second video is unknown here
    short = video(duration_seconds=4)
    result = run([event(short, 2000), event(v, 2999)], short, v)
    assert [s.qualified for s in result.stored] == [True, False]


def test_published_at_the_time_of_the_view() -> None:
    v = video(published_at=NOW - timedelta(hours=2), unpublished_at=NOW - timedelta(hours=1))
    before = NOW - timedelta(hours=3)
    during = NOW - timedelta(minutes=90)
    after = NOW - timedelta(minutes=30)
    result = run([event(v, at=before), event(v, at=during), event(v, at=after)], v)
    assert [s.qualified for s in result.stored] == [False, True, False]
    assert result.errors == ()


def test_creator_and_holder_members_do_not_qualify_anonymous_viewers_do() -> None:
    v = video()
    assert run([event(v)], v, viewer=Viewer.user(CREATOR)).qualified == 0
    assert run([event(v)], video(id=v.id, viewer_is_member=True)).qualified == 0
    assert run([event(v)], v, viewer=Viewer.device("device-0001")).qualified == 1


def test_unknown_and_invisible_videos_are_refused_others_stored() -> None:
    draft = video(published_at=None)
    mine = video(published_at=None, creator_id=FAN.user_id)
    v = video()
    result = run([event(None), event(draft), event(mine), event(v)], draft, mine, v)
    assert [(e.code, e.field) for e in result.errors] == [
        (ErrorCode.NOT_FOUND, ("input", "0", "videoId")),
        (ErrorCode.NOT_FOUND, ("input", "1", "videoId")),
    ]
    assert [(s.position, s.qualified) for s in result.stored] == [(2, False), (3, True)]


def test_bad_fields_are_refused_with_their_index_and_field() -> None:
    v = video()
    events = [
        event(v, watched_ms=-1),
        event(v, client_id="x" * 129),
        event(v, at=NOW - MAX_AGE - timedelta(seconds=1)),
        event(v, at=NOW + timedelta(minutes=5, seconds=1)),
        event(v, client_id=""),
        event(v, at=NOW + timedelta(minutes=4)),
    ]
    result = run(events, v)
    assert [(e.code, e.field) for e in result.errors] == [
        (ErrorCode.INVALID, ("input", "0", "watchedMs")),
        (ErrorCode.INVALID, ("input", "1", "clientEventId")),
        (ErrorCode.INVALID, ("input", "2", "occurredAt")),
        (ErrorCode.INVALID, ("input", "3", "occurredAt")),
        (ErrorCode.INVALID, ("input", "4", "clientEventId")),
    ]
    assert [s.position for s in result.stored] == [5]


def test_replays_are_duplicates_in_the_call_and_across_calls() -> None:
    v, w = video(), video()
    result = run([event(v, client_id="a"), event(w, client_id="a"), event(w, client_id="b")], v, w, stored={"b"})
    assert result.duplicates == 2
    assert [(s.position, s.event.client_event_id) for s in result.stored] == [(0, "a")]


def test_one_qualified_view_per_video_and_utc_day_in_the_order_they_happened() -> None:
    v = video()
    yesterday_evening = datetime(2026, 11, 24, 23, 0, tzinfo=UTC)
    events = [
        event(v, at=NOW - timedelta(hours=1)),
        event(v, at=NOW - timedelta(hours=2)),
        event(v, at=yesterday_evening),
    ]
    result = run(events, v)
    assert [(s.position, s.qualified) for s in result.stored] == [(0, False), (1, True), (2, True)]
    already = ViewerDays({date(2026, 11, 25): 1}, frozenset({(date(2026, 11, 25), v.id)}))
    assert run([event(v)], v, days=already).qualified == 0


def test_the_daily_cap_counts_what_is_stored_and_what_is_in_the_call() -> None:
    videos = [video() for _ in range(5)]
    config = ViewConfig(max_qualified_per_day=3)
    assert run([event(v) for v in videos], *videos, config=config).qualified == 3
    today = ViewerDays({utc_day(NOW): 2})
    assert run([event(v) for v in videos], *videos, config=config, days=today).qualified == 1


def test_days_concerned_span_the_accepted_window() -> None:
    assert days_concerned(NOW) == [date(2026, 11, 24), date(2026, 11, 25)]
    assert days_concerned(datetime(2026, 11, 25, 23, 58, tzinfo=UTC)) == [
        date(2026, 11, 24),
        date(2026, 11, 25),
        date(2026, 11, 26),
    ]


def test_device_viewers_are_stable_and_validated() -> None:
    assert Viewer.device("device-0001") == Viewer.device("device-0001")
    assert Viewer.device("device-0001").id != Viewer.device("device-0002").id
    assert Viewer.device("device-0001").anonymous and not FAN.anonymous
    for bad in ("short", "x" * 129, "has space!", "ünïcode-device"):
        with pytest.raises(ValueError):
            Viewer.device(bad)


@given(
    st.lists(st.tuples(st.integers(0, 4), st.integers(0, 6000), st.integers(0, 47)), max_size=60),
    st.integers(0, 5),
)
def test_never_more_than_one_per_video_and_day_nor_above_the_cap(picks: list[tuple[int, int, int]], cap: int) -> None:
    videos = [video(duration_seconds=8) for _ in range(5)]
    events = [event(videos[v], watched, at=NOW - timedelta(minutes=30 * half)) for v, watched, half in picks]
    result = run(events, *videos, config=ViewConfig(max_qualified_per_day=cap))
    qualified = [(utc_day(s.occurred_at), s.video_id) for s in result.stored if s.qualified]
    assert len(qualified) == len(set(qualified))
    per_day: dict[date, int] = {}
    for day, _ in qualified:
        per_day[day] = per_day.get(day, 0) + 1
    assert all(n <= cap for n in per_day.values())
    assert all(s.event.watched_ms >= 3000 for s in result.stored if s.qualified)
    assert len(result.stored) + result.duplicates + len({e.field[1] for e in result.errors if e.field}) == len(events)
