"""Does the question's language decide what is found? Search and topic matching over the
English airline tweets, asked in en, ru, kk, ar and fa.

    python -m evals.cross_language      # first run embeds ~3000 tweets (~2-4 min), then cached

Corpus: negative airline tweets with a labelled reason, at most ``PER_REASON`` per reason
(chosen by tweet-id hash, repeated texts once), ingested into a workspace under
evals/out/cross_language (vectors shared with the other evals' cache, evals/out/
embeddings.db). ``negativereason`` only scores: nothing reads it to search.

Queries: evals/cross_language_queries.jsonl, 3 phrasings x 8 reasons x 5 languages (the 8
biggest reasons other than "Can't Tell", which no one asks for), each with the taxonomy topic
it should map to (enrichment/catalogs/airline.taxonomy.yaml: the ids are the reasons' slugs),
plus 8 off-topic questions per language that should map to no topic.

Reported per query language:
- precision@5: share of the top 5 hits whose labelled reason is the query's, for plain vector
  search (as Hark searched before), with pseudo-relevance feedback, with the matched topic's
  anchor (ask.topic_match + retrieval.query_expansion), and both; plus the anchor-weight grid;
- topic match: share of on-topic questions matched to their topic, share matched to a wrong
  one, and share of off-topic questions matched to any topic (false matches).
The thresholds in ask/topic_match.py and the weights in retrieval/query_expansion.py were
chosen on these same queries: the figures are in-sample.
"""

from __future__ import annotations

import collections
import csv
import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from ask.topic_match import match_topics, topic_anchor
from enrichment.taxonomy import Taxonomy, TopicModel
from enrichment.topic_space import load_centre
from evals.common import OUT, embed_texts, embedder
from hark.documents import content_hash
from hark.domain import MentionCreate
from hark.settings import Settings
from hark.text import slug
from ingestion.normalise import normalise_text
from ingestion.pipeline import ingest_mentions
from retrieval.indexer import IndexTarget
from retrieval.search import search_mentions
from services.container import Container
from store import embeddings as embedding_cache
from store import mentions as mention_store

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "twitter-us-airline-sentiment"
QUERIES = Path(__file__).parent / "cross_language_queries.jsonl"
TAXONOMY = Path(__file__).resolve().parents[1] / "enrichment" / "catalogs" / "airline.taxonomy.yaml"
WORKSPACE = "crosslang"
PER_REASON = 340
LANGUAGES = ("en", "ru", "kk", "ar", "fa")
K = 5


def load_rows() -> list[dict[str, str]]:
    """Negative tweets with a reason, each text once, at most PER_REASON per reason."""
    rows, seen = [], set()
    with (DATA / "tweets.csv").open(encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            if r["negativereason"] and r["text"] not in seen:
                seen.add(r["text"])
                rows.append(r)
    rows.sort(key=lambda r: hashlib.sha256(r["tweet_id"].encode()).hexdigest())
    per: collections.Counter[str] = collections.Counter()
    out = []
    for r in rows:
        reason = slug(r["negativereason"])
        if per[reason] < PER_REASON:
            per[reason] += 1
            out.append(r)
    return out


def workspace(rows: list[dict[str, str]]) -> Container:
    """The corpus ingested and indexed (idempotent; vectors from the shared eval cache)."""
    rt = Container(Settings(home=OUT / "cross_language", _env_file=None))
    with rt.engine.connect() as conn:
        have = mention_store.count_mentions(conn, workspace=WORKSPACE, include_duplicates=True)
    if have >= len(rows):
        return rt
    texts = [r["text"] for r in rows]
    vectors = embed_texts(texts)
    with rt.engine.begin() as conn:
        embedding_cache.put_vectors(
            conn,
            model=rt.embedder.name,
            vectors={
                content_hash(normalise_text(t), None): v
                for t, v in zip(texts, vectors, strict=True)
            },
        )
    mentions = [
        MentionCreate(
            external_id=r["tweet_id"],
            source="twitter",
            text=r["text"],
            brand=r["airline"],
            created_at=datetime.strptime(r["tweet_created"], "%m/%d/%Y %H:%M").replace(tzinfo=UTC),
        )
        for r in rows
    ]
    target = IndexTarget(rt.embedder, rt.index.collection(WORKSPACE), 64, None)
    for start in range(0, len(mentions), 500):
        ingest_mentions(
            rt.engine,
            workspace=WORKSPACE,
            mentions=mentions[start : start + 500],
            index=target,
            dedup_window=timedelta(0),
        )
    return rt


def run() -> dict[str, Any]:
    rows = load_rows()
    reason_of = {r["tweet_id"]: slug(r["negativereason"]) for r in rows}
    rt = workspace(rows)
    e5 = embedder()
    model = TopicModel.build(
        Taxonomy.from_yaml(TAXONOMY.read_text(encoding="utf-8")), e5, load_centre(e5.name, e5.dim)
    )
    queries = [json.loads(line) for line in QUERIES.read_text(encoding="utf-8").splitlines()]
    vectors = {q["query"]: e5.embed_query(q["query"]) for q in queries}
    matches = {
        q["query"]: match_topics(q["query"], model, e5, vectors[q["query"]]) for q in queries
    }
    mirror = rt.index.mirror(WORKSPACE)
    index = rt.index.collection(WORKSPACE)

    class _Memo:
        name, dim = e5.name, e5.dim

        def embed_query(self, text: str) -> np.ndarray:
            return vectors[text]

        def embed_passages(self, texts: list[str]) -> np.ndarray:
            return e5.embed_passages(texts)

    def precision(q: dict[str, Any], **kw: Any) -> float:
        got = search_mentions(
            rt.engine,
            workspace=WORKSPACE,
            embedder=_Memo(),
            index=index,
            query=q["query"],
            k=K,
            mirror=mirror,
            **kw,
        )
        return float(
            np.mean([reason_of.get(h.mention.external_id) == q["reason"] for h in got.hits])
        )

    def anchors(q: dict[str, Any]) -> np.ndarray | None:
        found = matches[q["query"]]
        return topic_anchor(model, e5, found[0].topic) if found else None

    def weighted(b: float) -> Callable[[dict[str, Any]], dict[str, Any]]:
        return lambda q: {"anchors": anchors(q), "anchor_weight": b}

    settings: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
        "before (plain vector)": lambda q: {},
        "PRF only (k=10, b=1.0)": lambda q: {"feedback": True},
        "after: topic anchor": lambda q: {"anchors": anchors(q)},
        "anchor + PRF": lambda q: {"anchors": anchors(q), "feedback": True},
        **{f"grid: anchor b={b}": weighted(b) for b in (0.5, 1.0, 2.0)},
    }
    on_topic = [q for q in queries if q["reason"]]
    table: dict[str, dict[str, float]] = {}
    for name, kwargs in settings.items():
        per: dict[str, list[float]] = collections.defaultdict(list)
        for q in on_topic:
            per[q["language"]].append(precision(q, **kwargs(q)))
        table[name] = {lang: round(float(np.mean(per[lang])), 3) for lang in LANGUAGES}
        table[name]["non-en mean"] = round(
            float(np.mean([table[name][x] for x in LANGUAGES[1:]])), 3
        )

    topic: dict[str, dict[str, float]] = {}
    for lang in LANGUAGES:
        mine = [q for q in queries if q["language"] == lang]
        on = [q for q in mine if q["topic"]]
        off = [q for q in mine if not q["topic"]]
        right = [
            bool(matches[q["query"]]) and matches[q["query"]][0].topic == q["topic"] for q in on
        ]
        wrong = [
            bool(matches[q["query"]]) and matches[q["query"]][0].topic != q["topic"] for q in on
        ]
        topic[lang] = {
            "accuracy": round(float(np.mean(right)), 3),
            "wrong_topic": round(float(np.mean(wrong)), 3),
            "false_match_off_topic": round(
                float(np.mean([bool(matches[q["query"]]) for q in off])), 3
            ),
            "n_on": len(on),
            "n_off": len(off),
        }
    _print(table, topic, len(rows))
    rt.close()
    return {"corpus": len(rows), "precision_at_5": table, "topic_match": topic}


def _print(table: dict[str, dict[str, float]], topic: dict[str, dict[str, float]], n: int) -> None:
    cols = [*LANGUAGES, "non-en mean"]
    print(f"\nprecision@{K} by labelled reason, {n} airline tweets, 24 queries per language")
    print(f"{'setting':26}" + "".join(f"{c:>12}" for c in cols))
    for name, row in table.items():
        print(f"{name:26}" + "".join(f"{row[c]:12.3f}" for c in cols))
    print("\ntopic match (ask.topic_match) against the airline taxonomy")
    print(f"{'':26}" + "".join(f"{c:>12}" for c in LANGUAGES))
    for key in ("accuracy", "wrong_topic", "false_match_off_topic"):
        print(f"{key:26}" + "".join(f"{topic[c][key]:12.3f}" for c in LANGUAGES))


def main() -> None:
    report = run()
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "cross_language.json").write_text(json.dumps(report, indent=2))
    print(f"\nwrote {OUT / 'cross_language.json'}")


if __name__ == "__main__":
    main()
