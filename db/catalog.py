"""The detection index over every character name, alias and descriptor, kept fresh across processes.

Each process builds one `Detector` from the database and LISTENs on the `fanreel_catalog`
channel, on which triggers on `characters` and `character_aliases` NOTIFY the id of the character
that changed (transactionally, on commit: migration 0012). The next detection re-reads those
characters alone and updates the index in place (`Detector.remove`, `add`, `describe`: well
under a millisecond at 100k names), instead of rebuilding it (seconds at 100k). So a character
added or renamed through any process is detected everywhere on the next request, with no polling
and no restarts. If the listening connection drops, the index is rebuilt once it is back, since
changes may have been missed meanwhile.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any
from uuid import UUID

import asyncpg

from db.queries.characters import catalog_descriptors, catalog_entries, catalog_entries_of
from domain.detection import Detector

CHANNEL = "fanreel_catalog"
logger = logging.getLogger(__name__)


class Catalog:
    def __init__(self, database_url: str) -> None:
        self._database_url = database_url
        self._listener: asyncpg.Connection | None = None
        self._detector: Detector[UUID] | None = None
        self._stale = True  # rebuild in full
        self._changed: set[UUID] = set()  # update these characters in place
        self._lock = asyncio.Lock()

    async def detector(self, conn: asyncpg.Connection) -> Detector[UUID]:
        """The current index, brought up to date first when anything changed since."""
        if self._stale or self._changed or self._detector is None or self._listener is None:
            async with self._lock:
                await self._ensure_listening()
                if self._stale or self._detector is None:
                    await self._rebuild(conn)
                elif self._changed:
                    await self._update(conn, self._detector)
        assert self._detector is not None
        return self._detector

    async def _rebuild(self, conn: asyncpg.Connection) -> None:
        self._stale = False  # a change notified during the rebuild marks it stale again
        self._changed.clear()
        entries = await catalog_entries(conn)
        descriptors = await catalog_descriptors(conn)
        self._detector = await asyncio.to_thread(Detector, entries, descriptors=descriptors)
        logger.info("detection index built: %d names and aliases", len(entries))

    async def _update(self, conn: asyncpg.Connection, detector: Detector[UUID]) -> None:
        changed, self._changed = sorted(self._changed), set()
        entries = await catalog_entries_of(conn, character_ids=changed)
        descriptors = await catalog_descriptors(conn, character_ids=changed)
        for character_id in changed:
            detector.remove(character_id)
        for character_id, alias in entries:
            detector.add(character_id, alias)
        for character_id, traits, threshold in descriptors:
            detector.describe(character_id, traits, threshold)
        logger.info("detection index updated: %d characters", len(changed))

    async def _ensure_listening(self) -> None:
        if self._listener is not None and not self._listener.is_closed():
            return
        self._listener = await asyncpg.connect(self._database_url)
        self._listener.add_termination_listener(self._on_lost)
        await self._listener.add_listener(CHANNEL, self._on_change)
        self._stale = True  # changes may have been missed while nobody listened

    def _on_change(self, _conn: Any, _pid: int, _channel: str, payload: str) -> None:
        try:
            self._changed.add(UUID(payload))
        except ValueError:  # a notification that names no character: rebuild
            self._stale = True

    def _on_lost(self, *_: Any) -> None:
        self._stale = True
        self._listener = None

    async def close(self) -> None:
        if self._listener is not None:
            listener, self._listener = self._listener, None
            await listener.close()
