"""An operator's verification decision (RULES §11), shared by verifyHolder and `fanreel holder verify`."""

from __future__ import annotations

from uuid import UUID

import asyncpg

from db.catalog import Catalog
from db.queries import holders
from db.squatting import taken_names
from domain.errors import DomainError
from domain.verification import VerificationStatus, decide


async def verify(
    conn: asyncpg.Connection,
    catalog: Catalog,
    holder: holders.Holder,
    *,
    approve: bool,
    decided_by: UUID | None,
    note: str | None,
) -> holders.Holder:
    """Decide a holder's verification (the API and `fanreel holder verify`). Approval is refused
    with TAKEN while one of its characters' names belongs to a verified holder's character: the
    operator settles the conflict first (RULES §11, no squatting)."""
    status = decide(holder.kind, holder.verification, approve=approve, note=note)
    if status is VerificationStatus.VERIFIED:
        names = await conn.fetchval(OWN_NAMES, holder.id)
        taken = await taken_names(conn, catalog, names=names, holder_id=holder.id)
        if taken:
            raise DomainError([t.error(("input", "holderId")) for t in taken])
    return await holders.decide_verification(conn, holder_id=holder.id, status=status, decided_by=decided_by, note=note)


OWN_NAMES = """
SELECT array(SELECT name FROM characters WHERE holder_id = $1
             UNION ALL
             SELECT a.alias FROM character_aliases a JOIN characters c ON c.id = a.character_id WHERE c.holder_id = $1)
"""
