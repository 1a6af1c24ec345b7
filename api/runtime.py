"""Tuning of a server process, applied once its startup is done."""

from __future__ import annotations

import gc

# A GraphQL request allocates thousands of short-lived containers (and some reference cycles):
# with the default gen-0 threshold of 700 the objects of requests in flight are collected many
# times, promoted, and make full collections long. Young collections every 20,000 allocations
# find most of them already freed.
GC_THRESHOLDS = (20_000, 20, 100)


def tune_gc() -> None:
    """Move what startup built (modules, the schema) out of the collector's sight, and collect less often."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
