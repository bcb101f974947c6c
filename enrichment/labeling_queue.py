"""What to label next: the mentions whose correction teaches the model most and moves the
counts most, with a steady share of random picks.

Uncertain picks train the workspace's head fastest (they sit where its labels flip), but
they are a biased sample: the model's error measured on them says nothing about its error on
the whole workspace. Random picks are that unbiased audit, and they are what bias-corrected
counts are estimated from (analytics.prevalence). A mention is a random pick when its id
falls in a fixed pseudo-random tenth of the workspace (a multiplicative hash of the id, so
the server can check a client's claim that a correction came from one; hark.audit_sample)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

# Every n-th queue slot is a random pick while any are left.
RANDOM_EVERY = 4
# Mentions from the last days of the data weigh more: briefs and "this week" answers count
# them first.
RECENT_DAYS = 30


@dataclass(frozen=True)
class Candidate:
    id: int
    probs: tuple[float, float, float]  # negative, neutral, positive
    created_at: datetime | None


@dataclass(frozen=True)
class Pick:
    id: int
    pick: str  # "uncertain" or "random"
    priority: float
    why: str


def priority(c: Candidate, latest: datetime | None) -> tuple[float, str]:
    """How much labelling ``c`` is worth: the model's uncertainty (one minus the margin
    between its two likeliest classes) times how much the counts lean on it."""
    ranked = sorted(c.probs, reverse=True)
    uncertainty = 1.0 - (ranked[0] - ranked[1])
    weight, why = 1.0, [f"unsure ({ranked[0]:.0%} vs {ranked[1]:.0%})"]
    if latest is not None and c.created_at is not None:
        if c.created_at >= latest - timedelta(days=RECENT_DAYS):
            weight += 1.0
            why.append("recent")
    # Questions and briefs are mostly about negatives: a mention that may be one moves the
    # counts managers read first.
    if c.probs[0] >= ranked[1]:
        weight += 0.5
        why.append("may be negative")
    return uncertainty * weight, ", ".join(why)


def choose(
    uncertain: Sequence[Candidate],
    random_ids: Sequence[int],
    *,
    limit: int,
    latest: datetime | None,
) -> list[Pick]:
    """Interleave the most valuable uncertain candidates with random picks (one slot in
    RANDOM_EVERY). ``random_ids``: uncorrected audit members, in audit order."""
    ranked = sorted(((c, *priority(c, latest)) for c in uncertain), key=lambda t: (-t[1], t[0].id))
    randoms = iter(random_ids)
    top = iter(ranked)
    out: list[Pick] = []
    seen: set[int] = set()
    while len(out) < limit:
        want_random = (len(out) + 1) % RANDOM_EVERY == 0
        pick: Pick | None = None
        if want_random:
            rid = next((i for i in randoms if i not in seen), None)
            if rid is not None:
                pick = Pick(rid, "random", 0.0, "random audit pick")
        if pick is None:
            item = next(((c, p, w) for c, p, w in top if c.id not in seen), None)
            if item is None:
                rid = next((i for i in randoms if i not in seen), None)
                if rid is None:
                    break
                pick = Pick(rid, "random", 0.0, "random audit pick")
            else:
                c, p, w = item
                pick = Pick(c.id, "uncertain", round(p, 4), w)
        seen.add(pick.id)
        out.append(pick)
    return out
