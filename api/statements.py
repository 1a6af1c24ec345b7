"""Viewer.statementUrl and Holder.statementUrl: a month's CSV statement behind an expiring signed URL."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from api.context import Info
from api.errors import BadUserInput
from api.ids import to_global_id
from db import payouts as payout_service
from db.payouts import Owner
from db.queries import statements
from domain.statements import StatementEntry, month_bounds, render


async def statement_url(info: Info, owner: Owner, month: str) -> str | None:
    """The caller has checked the viewer may see the account. Null for a month that has not begun."""
    try:
        start, end = month_bounds(month)
    except ValueError as exc:
        raise BadUserInput(str(exc)) from None
    if start > datetime.now(UTC):
        return None
    async with info.context.pool.acquire() as conn:
        account_id = await payout_service.account_of(conn, owner)
        opening = await statements.opening_balance(conn, account_id=account_id, before=start)
        rows = await statements.entries_between(conn, account_id=account_id, start=start, end=end)
    entries = [
        StatementEntry(
            row["created_at"],
            row["kind"],
            row["amount_micros"],
            to_global_id("Video", row["video_id"]) if row["video_id"] else None,
            row["memo"],
        )
        for row in rows
    ]
    if owner.user_id is not None:
        who = to_global_id("User", owner.user_id)
    else:
        assert owner.holder_id is not None
        who = to_global_id("Holder", owner.holder_id)
    data = render(owner=who, month=month, opening_micros=opening, entries=entries)
    # Named by its content: asking twice for an unchanged month stores nothing new. Never public:
    # only the signed URL serves it.
    key = f"statements/{account_id}/{month}-{hashlib.sha256(data).hexdigest()[:32]}.csv"
    services = info.context.services
    await services.storage.put_bytes(key, data, "text/csv")
    return services.storage.signed_url(key, services.settings.media_url_ttl_seconds)
