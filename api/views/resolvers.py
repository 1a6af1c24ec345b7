"""Field resolvers this feature adds to Video, Holder and Viewer (wired in their types modules)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from api.context import Info
from api.errors import BadUserInput
from api.holders.types import require_member
from api.money import MoneyType
from api.views.loaders import view_loaders
from api.views.types import EarningsReport, VideoRevenue
from db.crediting import owed, split_config
from db.queries import earnings, videos


async def view_count(info: Info, video_id: UUID) -> int:
    """Qualified views, credited or waiting for the next crediting run."""
    return (await view_loaders(info).totals.load(video_id)).qualified


async def video_revenue(info: Info, row: videos.Video) -> VideoRevenue | None:
    """The split of the views credited so far; null unless the viewer is the creator or a holders' member."""
    viewer_id = info.context.viewer_id
    if viewer_id is None:
        return None
    loaders = view_loaders(info)
    facts = await loaders.revenue_facts.load(row.id)
    if facts is None:
        return None
    holder_ids = {lic.holder_id for lic in facts.licenses}
    if viewer_id != row.creator_id and not holder_ids & await info.context.loaders.viewer_holder_ids():
        return None
    credited = (await loaders.totals.load(row.id)).credited
    return VideoRevenue.of(credited, owed(facts, credited, split_config(info.context.services.settings)))


async def holder_balance(info: Info, holder_id: UUID) -> MoneyType:
    await require_member(info, holder_id)
    async with info.context.pool.acquire() as conn:
        return MoneyType.usd(await earnings.holder_balance(conn, holder_id=holder_id))


async def holder_earnings(info: Info, holder_id: UUID, start: datetime, end: datetime) -> EarningsReport:
    await require_member(info, holder_id)
    _check_range(start, end)
    async with info.context.pool.acquire() as conn:
        found = await earnings.holder_earnings(conn, holder_id=holder_id, start=start, end=end)
    return EarningsReport.of(found, start, end, "Character")


async def creator_earnings(info: Info, user_id: UUID, start: datetime, end: datetime) -> EarningsReport:
    _check_range(start, end)
    async with info.context.pool.acquire() as conn:
        found = await earnings.creator_earnings(conn, user_id=user_id, start=start, end=end)
    return EarningsReport.of(found, start, end, "Video")


def _check_range(start: datetime, end: datetime) -> None:
    if end < start:
        raise BadUserInput("to must not be before from.")
