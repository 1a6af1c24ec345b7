"""Pure rules of RULES §11: verification transitions, the per-IP cap and the watchedMs cap of a plan,
and a taken-down ancestor in the split."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

import pytest

from domain.errors import DomainError, ErrorCode
from domain.policy import HolderKind
from domain.revenue import Ancestor, SplitConfig, split
from domain.verification import VerificationStatus, check_request, decide, initial_status
from domain.views import VideoFacts, ViewConfig, Viewer, ViewerDays, ViewEvent, plan, utc_day

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
ORG, PERSON = HolderKind.ORGANIZATION, HolderKind.PERSON
S = VerificationStatus


def test_verification_transitions() -> None:
    assert (initial_status(ORG), initial_status(PERSON)) == (S.UNVERIFIED, S.VERIFIED)
    assert check_request(ORG, S.REJECTED, "  registration 12345  ") == "registration 12345"
    for kind, status in ((ORG, S.PENDING), (ORG, S.VERIFIED), (PERSON, S.VERIFIED)):
        with pytest.raises(DomainError) as refused:
            check_request(kind, status, "registration 12345")
        assert refused.value.errors[0].code is ErrorCode.CONFLICT
    with pytest.raises(DomainError):
        check_request(ORG, S.UNVERIFIED, "short")
    assert decide(ORG, S.UNVERIFIED, approve=True, note=None) is S.VERIFIED
    assert decide(ORG, S.PENDING, approve=False, note="no proof") is S.REJECTED
    for kind, status, approve in ((ORG, S.UNVERIFIED, False), (PERSON, S.VERIFIED, True)):
        with pytest.raises(DomainError):
            decide(kind, status, approve=approve, note=None)


def facts(duration_seconds: int = 10) -> VideoFacts:
    return VideoFacts(uuid4(), uuid4(), NOW - timedelta(days=1), None, duration_seconds, False)


def test_anonymous_views_stop_qualifying_at_the_ip_cap_and_signed_in_ones_do_not() -> None:
    videos = [facts() for _ in range(4)]
    events = [ViewEvent(v.id, 5000, f"e{n}", None) for n, v in enumerate(videos)]
    config = ViewConfig(max_anonymous_per_ip_per_day=3)
    device, user = Viewer.registered(uuid4()), Viewer.user(uuid4())

    def qualified(viewer: Viewer, ip_days: dict[date, int] | None) -> int:
        found = {v.id: v for v in videos}
        result = plan(events, viewer=viewer, now=NOW, videos=found, stored_ids=(), days=ViewerDays(), config=config,
                      ip_days=ip_days)  # fmt: skip
        return result.qualified

    assert qualified(device, {utc_day(NOW): 1}) == 2
    assert qualified(device, None) == 4  # no counts given: not capped
    assert qualified(user, {utc_day(NOW): 3}) == 4  # signed-in views are not capped by IP


def test_watched_ms_is_stored_at_most_the_duration_and_a_second() -> None:
    video = facts(duration_seconds=4)
    long, short = ViewEvent(video.id, 10**9, "a", None), ViewEvent(video.id, 1500, "b", None)
    result = plan(
        [long, short], viewer=Viewer.registered(uuid4()), now=NOW, videos={video.id: video}, stored_ids=(),
        days=ViewerDays(), config=ViewConfig(),
    )  # fmt: skip
    assert [s.watched_ms for s in result.stored] == [5000, 1500]


def test_a_taken_down_ancestor_is_skipped_like_a_same_creator_one() -> None:
    creator, p, q = uuid4(), uuid4(), uuid4()
    chain = [Ancestor(uuid4(), p, earning=False), Ancestor(uuid4(), q)]
    owed = split(qualified_views=1000, creator_id=creator, licenses=(), ancestors=chain, config=SplitConfig())
    assert [(a.creator_id, amount) for a, amount in owed.ancestors] == [(q, 35_000)]
    assert owed.creator == 350_000 - 35_000
