"""Themes without a taxonomy: what a question's mentions are about, found on the fly.

A workspace with no topic list still deserves an answer to "why did negative mentions rise?"
or "what do people complain about?" that names themes, not five raw quotes. This module reads
the mentions the analytics count (same scope condition, same windows, same sentiment), takes
their stored vectors (no re-embedding), clusters current and baseline together with topic
discovery's machinery (so one theme has a count in each period), names each cluster from its
distinctive terms, and ranks: by growth when there is a baseline, else by size.

Every theme is *discovered*, not configured: its members are whatever the clustering put
together this time, and its counts are exact counts of those members per window. Members are
a subset of the scope's counted mentions, and each mention is in at most one theme, so the
themes of a window never add up to more than the window's total.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sqlalchemy import Engine

from analytics.scope import Scope
from ask.quotes import VectorsFor
from enrichment.cluster_terms import document_frequencies, rank_terms, terms
from enrichment.discovery import MIN_WORDS, cluster_rows, pick_quotes, topic_key
from hark.documents import embed_text
from hark.text import HANDLE_NAME, fold
from store.analytics import Span
from store.theme_rows import theme_rows

# The newest this-many mentions of each window are clustered: enough for the big themes,
# few enough to answer within a question's time (3000 mentions: about 0.5 s on one core).
MAX_PER_WINDOW = 4000
# KMeans chooses among 2..this many clusters; more than the few an answer shows, so that a
# small growing theme is not merged into a big steady one.
MAX_CLUSTERS = 12
# k is chosen on this many of them (discovery: 3000): the silhouettes cost n² each.
SAMPLE = 1500
QUOTES = 3
TERMS = 8
NAME_TERMS = 3
NAME_SEPARATOR = " · "
SEED = 0


@dataclass(frozen=True)
class Theme:
    key: str
    """Stable id: discovery.topic_key of the member ids (same mentions, same key)."""
    name: str
    """Its first terms joined: "bag · lost luggage · claim"."""
    terms: list[str]
    """Up to 8 distinctive words and bigrams, in the mentions' own languages, best first;
    no @handles, links or brand names."""
    current: int
    """Members in the current window."""
    baseline: int
    """Members in the baseline window (0 without a baseline)."""
    delta: int
    """current - baseline: raw counts, so windows of unequal length need the caller's care."""
    quote_ids: list[int]
    """2-3 members of the current window nearest the theme's centre, no two near-copies."""
    member_ids: list[int]
    """Every member, both windows, in id order."""
    discovered: bool = True
    """Always True: found by clustering, not a taxonomy topic (answers must say so)."""


@dataclass(frozen=True)
class ThemeReport:
    themes: list[Theme]
    current_read: int
    """Counted mentions read from the current window (at most MAX_PER_WINDOW)."""
    baseline_read: int
    """Counted mentions read from the baseline window (0 without a baseline)."""
    clustered: int
    """Of the mentions read, those with a stored vector (the others are in no theme)."""
    capped: bool
    """A window held more than MAX_PER_WINDOW mentions: themes cover its newest ones only."""


def theme_report(
    engine: Engine,
    scope: Scope,
    window: Span,
    baseline: Span | None,
    *,
    vectors_for: VectorsFor,
    sentiment: str | None,
    limit: int = 5,
    min_size: int = 5,
    cap: int = MAX_PER_WINDOW,
) -> ThemeReport:
    """Themes of the scope's counted mentions of ``sentiment`` in ``window`` (and
    ``baseline``), with how many mentions they were found among and whether a window was cut
    to its newest ``cap``. ``vectors_for`` is the workspace's stored-vector lookup (what
    ``Asker.vectors_for(workspace)`` returns): ids in, (ids found, vectors) out."""
    with engine.connect() as conn:
        current, capped = theme_rows(
            conn, scope=scope, window=window, sentiment=sentiment, limit=cap
        )
        if baseline is not None:
            before, capped_before = theme_rows(
                conn, scope=scope, window=baseline, sentiment=sentiment, limit=cap
            )
        else:
            before, capped_before = [], False
    rows = {r.id: r for r in (*before, *current)}
    in_current = {r.id for r in current}
    in_baseline = {r.id for r in before}
    found_ids, vectors = vectors_for(sorted(rows)) if rows else (np.zeros(0), np.zeros((0, 0)))
    ids = [int(i) for i in found_ids]
    brand_names = {r.brand for r in rows.values() if r.brand} | set(scope.filters.brands)
    found = group_themes(
        ids,
        np.asarray(vectors),
        [embed_text(rows[i].text, rows[i].title) for i in ids],
        [rows[i].language for i in ids],
        current=[i in in_current for i in ids],
        baseline=[i in in_baseline for i in ids],
        brands=sorted(brand_names),
        ranked_by_growth=baseline is not None,
        limit=limit,
        min_size=min_size,
    )
    return ThemeReport(
        themes=found,
        current_read=len(current),
        baseline_read=len(before),
        clustered=len(ids),
        capped=capped or capped_before,
    )


def themes(
    engine: Engine,
    scope: Scope,
    window: Span,
    baseline: Span | None,
    *,
    vectors_for: VectorsFor,
    sentiment: str | None,
    limit: int = 5,
    min_size: int = 5,
) -> list[Theme]:
    """The ``limit`` top themes of ``theme_report`` (which also says whether a window was
    capped): with a baseline the ones that grew most, else the largest."""
    return theme_report(
        engine,
        scope,
        window,
        baseline,
        vectors_for=vectors_for,
        sentiment=sentiment,
        limit=limit,
        min_size=min_size,
    ).themes


def group_themes(
    ids: Sequence[int],
    vectors: np.ndarray,
    texts: Sequence[str],
    languages: Sequence[str | None],
    *,
    current: Sequence[bool],
    baseline: Sequence[bool],
    brands: Sequence[str] = (),
    ranked_by_growth: bool = False,
    limit: int = 5,
    min_size: int = 5,
    seed: int = SEED,
) -> list[Theme]:
    """Themes among these mentions (pure: no storage). ``current``/``baseline`` say which
    window each mention is in (both when the windows overlap). Clusters of fewer than
    ``min_size`` members, or that no two words set apart, are no theme. Ranked by delta then
    current size when ``ranked_by_growth``, else by current size; ties by key. Same mentions,
    same themes, whatever order they come in."""
    n = len(ids)
    if not n == len(vectors) == len(texts) == len(languages) == len(current) == len(baseline):
        raise ValueError("every per-mention argument must have the same length")
    if n < 2 * min_size:
        return []
    order = np.argsort(np.asarray(ids), kind="stable")
    ids_ = [int(ids[i]) for i in order]
    texts_ = [texts[i] for i in order]
    now = np.asarray(current, dtype=bool)[order]
    before = np.asarray(baseline, dtype=bool)[order]
    clusters = cluster_rows(
        np.asarray(vectors, dtype=np.float64)[order],
        texts_,
        min_size=min_size,
        max_topics=MAX_CLUSTERS,
        seed=seed,
        sample=SAMPLE,
    )
    if clusters is None:
        return []
    z, centres, assigned = clusters

    handles = _addressees(texts_, min_size)
    unwanted = _brand_words(brands) | handles
    prefixes = tuple(h for h in handles if len(h) >= 4)  # #JetBlueFail, #unitedsucks

    def wanted(term: str) -> bool:
        words = term.split(" ")
        return unwanted.isdisjoint(words) and not any(w.startswith(prefixes) for w in words)

    term_sets = [
        {t for t in terms(text, languages[i]) if wanted(t)}
        for text, i in zip(texts_, order, strict=True)
    ]
    everywhere = document_frequencies(term_sets)
    named: list[tuple[np.ndarray, int, list[str]]] = []
    for c in range(len(centres)):
        members = np.flatnonzero(assigned == c)
        if len(members) < min_size:
            continue
        group = document_frequencies(term_sets[i] for i in members)
        rest = Counter({term: everywhere[term] - df for term, df in group.items()})
        named.append((members, c, rank_terms(group, len(members), rest, n - len(members), TERMS)))
    # A word among every theme's terms names none of them (a brand the rows do not carry in
    # their brand field, "flight" on an airline's page).
    common = set.intersection(*(set(top) for _, _, top in named)) if len(named) > 1 else set()
    found = []
    for members, c, top in named:
        top = [t for t in top if t not in common]
        if len({word for term in top for word in term.split(" ")}) < MIN_WORDS:
            continue
        member_ids = [ids_[i] for i in members]
        recent = members[now[members]]
        quotes = pick_quotes(recent, z, centres[c], term_sets)[:QUOTES] if len(recent) else []
        size_now, size_before = int(now[members].sum()), int(before[members].sum())
        found.append(
            Theme(
                key=topic_key(member_ids),
                name=NAME_SEPARATOR.join(top[:NAME_TERMS]),
                terms=top,
                current=size_now,
                baseline=size_before,
                delta=size_now - size_before,
                quote_ids=[ids_[i] for i in quotes],
                member_ids=member_ids,
            )
        )
    if ranked_by_growth:
        found.sort(key=lambda t: (-t.delta, -t.current, t.key))
    else:
        found.sort(key=lambda t: (-t.current, t.key))
    return found[:limit]


def _addressees(texts: Sequence[str], min_size: int) -> set[str]:
    """Accounts that at least ``min_size`` texts address first (the brand's own handle,
    "@JetBlue"): their names written as words ("hey jetblue", "#JetBlue", "#JetBlueFail")
    name no theme."""
    first = Counter(m.group(1).casefold() for t in texts if (m := HANDLE_NAME.search(t)))
    return {fold(name) for name, n in first.items() if n >= min_size}


def _brand_words(brands: Sequence[str]) -> set[str]:
    """The folded words of the brand names (and their handles' spelling without spaces:
    "Virgin America" also drops "virginamerica"): the scope's brand is no theme."""
    words: set[str] = set()
    for brand in brands:
        found = {t for t in terms(brand, None) if " " not in t}
        words |= found
        if found:
            words.add("".join(t for t in terms(brand.replace(" ", ""), None) if " " not in t))
    words.discard("")
    return words
