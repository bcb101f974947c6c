"""Filter mixes used by the search benchmark and the recall eval (seeded, so repeatable)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import Engine, func, select

from hark.domain import SearchFilters
from store.tables import mentions

AIRLINES = ["United", "US Airways", "American", "Southwest", "Delta", "Virgin America"]


def filter_mix(engine: Engine, workspace: str, n: int, seed: int = 11) -> list[SearchFilters]:
    """Brand, one-day window, and brand + two-day window filters in turn: from broad (a
    quarter of the data) to very selective (a few dozen mentions)."""
    with engine.connect() as conn:
        lo, hi = conn.execute(
            select(func.min(mentions.c.created_at), func.max(mentions.c.created_at)).where(
                mentions.c.workspace == workspace
            )
        ).one()
    lo_day = datetime.fromisoformat(str(lo)[:10] + "T00:00:00+00:00")
    days = max(1, (datetime.fromisoformat(str(hi)[:10] + "T00:00:00+00:00") - lo_day).days)
    rng = random.Random(seed)
    out: list[SearchFilters] = []
    for i in range(n):
        start = lo_day + timedelta(days=rng.randint(0, days))
        kind = i % 3
        if kind == 0:
            out.append(SearchFilters(brands=[rng.choice(AIRLINES)]))
        elif kind == 1:
            out.append(SearchFilters(since=start, until=start + timedelta(days=1)))
        else:
            out.append(
                SearchFilters(
                    brands=[rng.choice(AIRLINES)], since=start, until=start + timedelta(days=2)
                )
            )
    return out
