"""Domain test data: a policy that refuses nothing, to vary one field at a time with `replace`."""

from __future__ import annotations

from domain.policy import Audience, Policy, RestrictAction
from domain.rating import Rating

OPEN_POLICY = Policy(
    version=1,
    audience=Audience.EVERYONE,
    requires_review=False,
    allow_derivatives=True,
    allow_crossovers=True,
    blocked_co_character_ids=frozenset(),
    max_rating=Rating.R,
    banned_terms=(),
    max_duration_seconds=60,
    attribution=None,
    revenue_share_bps=0,
    generation_fee_micros=0,
    on_restrict=RestrictAction.KEEP,
)
