"""The crediting job: every CREDIT_INTERVAL_SECONDS, credit the qualified views waiting (RULES §6).

Idempotent and safe to run in several workers at once: what it credits is whatever is waiting
when it starts, claimed under row locks that another run skips (db/crediting.py).
"""

from __future__ import annotations

import logging
from typing import Any

from db.crediting import credit, split_config

logger = logging.getLogger(__name__)


async def credit_views(ctx: dict[str, Any]) -> int:
    """Credit what is waiting; the number of qualified views credited."""
    run = await credit(ctx["pool"], split_config(ctx["settings"]))
    if run.videos:
        logger.info("credited %d qualified views of %d videos (%d micro-USD)", run.views, run.videos, run.gross_micros)
    return run.views
