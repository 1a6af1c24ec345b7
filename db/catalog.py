"""The detection automaton over every character name and alias, kept fresh across processes.

Each process builds one `Detector` from the database and LISTENs on the `fanreel_catalog`
channel, which triggers on `characters` and `character_aliases` NOTIFY (transactionally,
on commit). A notification marks the automaton stale; the next detection rebuilds it. So
a character added through any process is detected everywhere on the next request, well
inside a second, with no polling and no restarts. If the listening connection drops, the
automaton is treated as stale until it is back.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any
from uuid import UUID

import asyncpg

from db.queries.characters import catalog_entries
from domain.detection import Detector

CHANNEL = "fanreel_catalog"
logger = logging.getLogger(__name__)


class Catalog:
    def __init__(self, database_url: str) -> None:
        self._database_url = database_url
        self._listener: asyncpg.Connection | None = None
        self._detector: Detector[UUID] | None = None
        self._stale = True
        self._lock = asyncio.Lock()

    async def detector(self, conn: asyncpg.Connection) -> Detector[UUID]:
        """The current automaton, rebuilt first when anything changed since it was built."""
        if self._stale or self._detector is None or self._listener is None:
            async with self._lock:
                await self._ensure_listening()
                if self._stale or self._detector is None:
                    self._stale = False  # a change notified during the rebuild marks it stale again
                    entries = await catalog_entries(conn)
                    self._detector = await asyncio.to_thread(Detector, entries)
                    logger.info("detection automaton rebuilt: %d names and aliases", len(entries))
        assert self._detector is not None
        return self._detector

    async def _ensure_listening(self) -> None:
        if self._listener is not None and not self._listener.is_closed():
            return
        self._listener = await asyncpg.connect(self._database_url)
        self._listener.add_termination_listener(self._on_lost)
        await self._listener.add_listener(CHANNEL, self._on_change)
        self._stale = True  # changes may have been missed while nobody listened

    def _on_change(self, *_: Any) -> None:
        self._stale = True

    def _on_lost(self, *_: Any) -> None:
        self._stale = True
        self._listener = None

    async def close(self) -> None:
        if self._listener is not None:
            listener, self._listener = self._listener, None
            await listener.close()
