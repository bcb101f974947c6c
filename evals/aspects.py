"""Aspect topics on domains the topic thresholds were never tuned on.

    python -m evals.aspects                   # both sets, every rule, markdown tables
    python -m evals.aspects --only hotels     # one set

Sets (../shared/data; all rows, none used to choose anything):
- **restaurants**: SentiRuEval-2015 Russian restaurant reviews, review level (404 reviews; the
  review-level ``cat_*`` columns give each category's presence and polarity).
- **hotels**: SemEval-2016 Arabic hotel reviews, review level: the set's sentences grouped by
  their ``review_id`` (1,839 reviews), one line per sentence; a review has an entity when any
  of its opinions is about it (HOTEL, SERVICE, ...), with that polarity (mixed ones: "both").

Taxonomies are what a new user would write from the category names alone: a name and a
one-line description in English, no examples, nothing mined from the data. Thresholds are
Hark's defaults (tuned on airline tweets only).

Rules compared (VectorEnrichment.topics's rule, written out in ``annotate``):
- ``shipped``: as vector_stage split before (only a text with a contrast word, or whose whole
  vector is near two topics, is split into clauses); per text and per clause, topics within
  the taxonomy's margin of the best.
- ``split``: every text of more than one sentence/clause is split (what vector_stage does
  now), same margin: a topic is present when any clause is about it.
- ``split, per topic``: split, and each topic decided on its own score (no margin).
- ``split, per topic, best of each clause``: also a clause's best topic when it reaches only
  ``BEST_FLOOR`` (``TopicModel.assign(floor=...)``; not what enrichment does today).

Presence: F1 per category and macro, beside "majority per category" and "every category
present", and a ceiling (each category's best cut on its best-clause score, chosen on the gold
labels: a diagnostic of how well name-only prototypes rank, not a method), then presence with
50 / 100 / 200 reviews a user corrected (``with_corrections``: what a workspace's topics
refit does, the rule of deciding calibrated on the corrected reviews). Polarity, for the
aspects a rule found correctly whose gold polarity is one of negative/neutral/positive ("both"
left out): "clause", the sentiment of the clause that speaks of the topic most alone;
"clause + review", what vector_stage stores (``clause_polarity``: that clause's class
probabilities multiplied by the review's); both the review's own sentiment when the topic was
found on the whole text only; beside the review-sentiment baseline (every aspect gets the
review's own sentiment) on the same aspects.
Sentiment is the shipped model (SentimentModel.load()). Caveat: the sentiment model was trained
on the SemEval hotel sentences of its training split (evals/sentiment_data.py), so hotel polarity is
optimistic for every column alike.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from sklearn.metrics import f1_score

from enrichment.clauses import has_contrast, split_clauses
from enrichment.sentiment import SentimentModel
from enrichment.taxonomy import Taxonomy, TopicModel
from enrichment.topic_calibration import best_cut
from enrichment.topic_examples import TopicExamples
from enrichment.topic_space import load_centre
from enrichment.vector_stage import clause_polarity
from evals.common import cache_engine, embed_texts, embedder, macro_f1
from evals.sentiment_data import DATA
from hark.documents import content_hash
from retrieval.indexer import IndexStats, embed_with_cache

POLARITIES = ("negative", "neutral", "positive")
MAX_CLAUSES = 8  # VectorEnrichment.max_clauses
NEAR_THRESHOLD = 0.05  # vector_stage.NEAR_THRESHOLD
# "best of each clause": a clause's best topic counts from a score of 0, i.e. when the clause
# leans towards the topic rather than away (a rule, not a tuned value).
BEST_FLOOR = 0.0

RESTAURANT_TAXONOMY = """
topics:
  - name: Food
    description: the food and drinks, taste of the dishes, the menu
  - name: Interior
    description: the interior, decor and atmosphere of the place, music, comfort
  - name: Price
    description: prices, the bill, value for money
  - name: Whole
    description: the restaurant as a whole, overall impression, whether to come back
  - name: Service
    description: the service, waiters and staff, how fast and polite they are
"""

HOTEL_TAXONOMY = """
topics:
  - name: Hotel
    id: hotel
    description: the hotel in general, overall impression, value for money
  - name: Service
    id: service
    description: the staff and service, reception, how helpful and friendly they are
  - name: Facilities
    id: facilities
    description: hotel facilities such as the pool, gym, parking, internet, lifts
  - name: Rooms
    id: rooms
    description: the rooms, their size, cleanliness, comfort and view
  - name: Location
    id: location
    description: the location of the hotel, what is nearby, how far from the centre
  - name: Food and drinks
    id: food_drinks
    description: breakfast, restaurant, food and drinks at the hotel
  - name: Room amenities
    id: rooms_amenities
    description: things in the room such as the bed, bathroom, air conditioning, TV, minibar
"""


@dataclass(frozen=True)
class Review:
    id: str
    text: str
    gold: dict[str, str]  # topic id -> polarity (negative | neutral | positive | both)


@dataclass(frozen=True)
class AspectSet:
    name: str
    language: str
    taxonomy: str
    reviews: list[Review]
    unit: str


def restaurants() -> AspectSet:
    cats = {"Food": "food", "Interior": "interior", "Price": "price", "Whole": "whole"}
    cats["Service"] = "service"
    reviews = []
    with (DATA / "sentirueval-ru-restaurant-aspects" / "reviews.csv").open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            gold = {t: r[f"cat_{c}"] for c, t in cats.items() if r[f"cat_{c}"] != "absence"}
            reviews.append(Review(r["review_id"], r["text"], gold))
    return AspectSet("restaurants (ru)", "ru", RESTAURANT_TAXONOMY, reviews, "review")


def hotels() -> AspectSet:
    reviews = []
    with (DATA / "semeval16-ar-hotel-aspects" / "reviews.csv").open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            text = "\n".join(s["text"] for s in json.loads(r["sentences_json"]))
            found: dict[str, set[str]] = {}
            for o in json.loads(r["opinions_json"]):
                found.setdefault(o["category"].split("#")[0].lower(), set()).add(o["polarity"])
            gold = {
                t: next(iter(ps)) if len(ps) == 1 and ps <= set(POLARITIES) else "both"
                for t, ps in found.items()
            }
            reviews.append(Review(r["review_id"], text, gold))
    return AspectSet("hotels (ar)", "ar", HOTEL_TAXONOMY, reviews, "review (sentences by id)")


SETS: dict[str, Callable[[], AspectSet]] = {"restaurants": restaurants, "hotels": hotels}


def embed_clauses(items: dict[str, str], chunk: int = 256) -> dict[str, np.ndarray]:
    """content hash -> vector through the eval cache, in short transactions."""
    keys = list(items)
    out: dict[str, np.ndarray] = {}
    for i in range(0, len(keys), chunk):
        part = {k: items[k] for k in keys[i : i + chunk]}
        out.update(embed_with_cache(cache_engine(), embedder(), part, IndexStats()))
    return out


@dataclass(frozen=True)
class Found:
    clause: str  # the sentiment of the clause that speaks of the topic (or the text's)
    mixed: str  # that clause read with the review: what vector_stage stores


def annotate(
    data: AspectSet,
    model: TopicModel,
    sentiment: SentimentModel,
    split: Callable[[str, np.ndarray], bool],
    vectors: np.ndarray,
    own: np.ndarray,
    floor: float | None = None,
) -> list[dict[str, Found]]:
    """topic id -> its sentiment, per review, as VectorEnrichment.topics derives them (its
    rule, written out here so this eval does not depend on its signature): topics of the whole
    text with the text's own sentiment; if ``split`` says so, topics of each clause too, each
    topic taking the sentiment of the clause that scores it highest. ``own``: the texts'
    class probabilities."""
    whole = model.scores(vectors)
    out: list[dict[str, Found]] = []
    for r, sims, p_own in zip(data.reviews, whole, own, strict=True):
        # topic -> (score, clause polarity, clause read with the review, from a clause); from
        # the whole text: the review's own (a clause that speaks of the topic replaces it).
        review = POLARITIES[int(p_own.argmax())]
        found: dict[str, tuple[float, str, str, bool]] = {
            t: (s, review, review, False) for t, s in model.assign(sims[None, :], floor=floor)[0]
        }
        parts = split_clauses(r.text, max_clauses=MAX_CLAUSES) if split(r.text, sims) else []
        if len(parts) > 1:
            got = embed_clauses({content_hash(c, None): c for c in parts})
            cvec = np.stack([got[content_hash(c, None)] for c in parts])
            p_clause = sentiment.proba(cvec, parts, [data.language] * len(parts))
            mixed = [label for label, _ in clause_polarity(p_clause, p_own, parts)]
            for topic, score, ci in model.assign_clauses(model.scores(cvec), floor=floor):
                prev = found.get(topic)
                if prev is None or not prev[3] or score > prev[0]:
                    best = max(score, prev[0] if prev else score)
                    clause = POLARITIES[int(p_clause[ci].argmax())]
                    found[topic] = (best, clause, mixed[ci], True)
        out.append({t: Found(clause, pooled) for t, (_, clause, pooled, _) in found.items()})
    return out


def shipped_split(model: TopicModel) -> Callable[[str, np.ndarray], bool]:
    """vector_stage's rule today: a contrast word, or a whole vector near two topics."""
    return lambda text, sims: (
        has_contrast(text) or int((sims >= model.taxonomy.cut - NEAR_THRESHOLD).sum()) >= 2
    )


def always_split(text: str, sims: np.ndarray) -> bool:
    return True


def oracle_ceiling(data: AspectSet, model: TopicModel) -> list[set[str]]:
    """What any threshold rule on these prototypes could reach at best: per category, the cut
    on a review's best-clause score that maximises F1 *on the gold labels*. A diagnostic of
    the prototypes' ranking, never a method (it reads the truth)."""
    best = []
    for r in data.reviews:
        parts = split_clauses(r.text, max_clauses=MAX_CLAUSES) or [r.text]
        got = embed_clauses({content_hash(c, None): c for c in parts})
        best.append(model.scores(np.stack([got[content_hash(c, None)] for c in parts])).max(0))
    scores = np.stack(best)
    out: list[set[str]] = [set() for _ in data.reviews]
    for j, topic in enumerate(model.ids):
        cut, _ = best_cut(scores[:, j], np.array([topic in r.gold for r in data.reviews]))
        for i in np.flatnonzero(scores[:, j] >= cut):
            out[i].add(topic)
    return out


def presence(
    data: AspectSet, ids: list[str], predicted: list[set[str]]
) -> tuple[float, list[float]]:
    y_true = np.array([[t in r.gold for t in ids] for r in data.reviews], dtype=bool)
    y_pred = np.array([[t in p for t in ids] for p in predicted], dtype=bool)
    per = f1_score(y_true, y_pred, average=None, zero_division=0)
    return float(np.mean(per)), [float(x) for x in per]


def polarity(data: AspectSet, found: list[dict[str, Found]], own: np.ndarray) -> dict[str, Any]:
    truth: list[str] = []
    pred: dict[str, list[str]] = {"clause": [], "clause + review": [], "review": []}
    for r, f, p_own in zip(data.reviews, found, own, strict=True):
        for t, got in f.items():
            if r.gold.get(t) in POLARITIES:
                truth.append(r.gold[t])
                pred["clause"].append(got.clause)
                pred["clause + review"].append(got.mixed)
                pred["review"].append(POLARITIES[int(p_own.argmax())])
    out: dict[str, Any] = {"n": len(truth)}
    for name, p in pred.items():
        out[name] = {
            "accuracy": float(np.mean([a == b for a, b in zip(p, truth, strict=True)]))
            if truth
            else 0.0,
            "macro_f1": macro_f1(truth, p, POLARITIES) if truth else 0.0,
        }
    return out


def shipped_sentiment() -> SentimentModel:
    """The shipped model; while a newer version is being trained and its files are not there
    yet, the one before it (said on stderr)."""
    try:
        return SentimentModel.load()
    except FileNotFoundError as exc:
        print(f"({exc.filename} missing: using sentiment.v1)", file=sys.stderr)
        return SentimentModel.load("sentiment.v1")


def evaluate(data: AspectSet) -> dict[str, Any]:
    e = embedder()
    model = TopicModel.build(Taxonomy.from_yaml(data.taxonomy), e, load_centre(e.name, e.dim))
    ids = model.ids
    sentiment = shipped_sentiment()
    texts = [r.text for r in data.reviews]
    # Every clause embedded up front, in short transactions (the cache is shared).
    embed_clauses({content_hash(c, None): c for t in texts for c in split_clauses(t)})
    vectors = embed_texts(texts)
    own = sentiment.proba(vectors, texts, [data.language] * len(texts))
    counts = Counter(t for r in data.reviews for t in r.gold)
    n = len(data.reviews)
    majority = {t for t in ids if counts[t] * 2 > n}
    rows: dict[str, dict[str, Any]] = {}
    for name, predicted in (
        ("majority per category", [majority] * n),
        ("every category present", [set(ids)] * n),
    ):
        macro, per = presence(data, ids, predicted)
        rows[name] = {"macro": macro, "per": per, "coverage": float(bool(predicted[0]))}
    macro, per = presence(data, ids, oracle_ceiling(data, model))
    rows["ceiling: each category's best cut on the gold labels (diagnostic)"] = {
        "macro": macro,
        "per": per,
        "coverage": 1.0,
    }
    multi = replace(model, taxonomy=replace(model.taxonomy, margin=1.0))
    for name, rule, m, floor in (
        ("hark, shipped", shipped_split(model), model, None),
        ("hark, split", always_split, model, None),
        ("hark, split, per topic", always_split, multi, None),
        ("hark, split, per topic, best of each clause", always_split, multi, BEST_FLOOR),
    ):
        found = annotate(data, m, sentiment, rule, vectors, own, floor)
        macro, per = presence(data, ids, [set(f) for f in found])
        rows[name] = {
            "macro": macro,
            "per": per,
            "coverage": float(np.mean([bool(f) for f in found])),
            "polarity": polarity(data, found, own),
        }
    gold_counts = [counts[t] for t in ids]
    print(f"\n### {data.name}: n={n} ({data.unit}), {len(ids)} categories, {sentiment.version}\n")
    print(
        "| presence | macro-F1 | "
        + " | ".join(f"{t} ({c})" for t, c in zip(ids, gold_counts, strict=True))
        + " | reviews with a topic |"
    )
    print("|---|---:|" + "---:|" * len(ids) + "---:|")
    for name, r in rows.items():
        cells = " | ".join(f"{x:.3f}" for x in r["per"])
        print(f"| {name} | {r['macro']:.3f} | {cells} | {r['coverage']:.2f} |")
    print(
        "\n| polarity of found aspects (gold not 'both'): accuracy / macro-F1 | n "
        "| clause alone | clause + review (shipped) | review sentiment (baseline) |"
    )
    print("|---|---:|---:|---:|---:|")
    for name, r in rows.items():
        if "polarity" in r:
            p = r["polarity"]
            cells = " | ".join(
                f"{p[k]['accuracy']:.3f} / {p[k]['macro_f1']:.3f}"
                for k in ("clause", "clause + review", "review")
            )
            print(f"| {name} | {p['n']} | {cells} |")
    return {"n": n, "unit": data.unit, "topics": ids, "gold": gold_counts, "rows": rows}


CORRECTED = (50, 100, 200)  # reviews a user labels (at random) before the rest is scored


def clause_vectors(texts: list[str]) -> list[np.ndarray]:
    """Per text, the vectors of the clauses enrichment reads its topics from ((0, dim) for a
    one-part text), as a topics refit hands them to TopicModel.with_examples."""
    out = []
    for text in texts:
        parts = split_clauses(text, max_clauses=MAX_CLAUSES)
        if len(parts) < 2:
            out.append(np.zeros((0, embedder().dim)))
            continue
        got = embed_clauses({content_hash(c, None): c for c in parts})
        out.append(np.stack([got[content_hash(c, None)] for c in parts]))
    return out


def with_corrections(data: AspectSet, seeds: int = 3) -> dict[str, Any]:
    """Topics refined by a user's corrections as a workspace's refit does it
    (TopicModel.with_examples: nearest examples, per-topic classifiers, and how a mention's
    topics are decided calibrated on the corrected reviews and their clauses), ``k`` reviews
    labelled at random with their gold categories, presence scored on the other reviews,
    beside "every category present" on the same reviews. The taxonomy is as written (its
    default margin): whether the contest stays is the calibration's call. Mean over
    ``seeds``; "per topic" counts the seeds whose calibration dropped the contest."""
    e = embedder()
    model = TopicModel.build(Taxonomy.from_yaml(data.taxonomy), e, load_centre(e.name, e.dim))
    sentiment = shipped_sentiment()
    texts = [r.text for r in data.reviews]
    vectors = embed_texts(texts)
    clauses = clause_vectors(texts)
    own = sentiment.proba(vectors, texts, [data.language] * len(texts))
    out: dict[str, Any] = {}
    print(f"\n### {data.name}: presence macro-F1 with corrected reviews (on the others)\n")
    print(
        "| corrected reviews | Hark | every category present | seeds per topic "
        "| polarity accuracy / macro-F1: Hark (clause + review) | review sentiment (baseline) |"
    )
    print("|---:|---:|---:|---:|---:|---:|")
    for k in CORRECTED:
        got, every, per_topic, pol = [], [], 0, []
        for seed in range(seeds):
            picked = np.random.default_rng(seed).choice(len(texts), k, replace=False)
            rest = np.setdiff1d(np.arange(len(texts)), picked)
            examples = TopicExamples(
                vectors[picked],
                [frozenset(data.reviews[i].gold) for i in picked],
                [clauses[i] for i in picked],
            )
            fitted = model.with_examples(examples)
            rule = fitted.heads.rule if fitted.heads is not None else None
            per_topic += int(rule is not None and rule.per_topic)
            part = replace(data, reviews=[data.reviews[i] for i in rest])
            found = annotate(part, fitted, sentiment, always_split, vectors[rest], own[rest])
            got.append(presence(part, model.ids, [set(f) for f in found])[0])
            every.append(presence(part, model.ids, [set(model.ids)] * len(rest))[0])
            p = polarity(part, found, own[rest])
            pol.append(
                [p[k][m] for k in ("clause + review", "review") for m in ("accuracy", "macro_f1")]
            )
        acc, mf1, acc_review, mf1_review = np.mean(pol, axis=0)
        out[str(k)] = {
            "hark": float(np.mean(got)),
            "hark_sd": float(np.std(got)),
            "every": float(np.mean(every)),
            "per_topic_seeds": per_topic,
            "polarity": {"accuracy": float(acc), "macro_f1": float(mf1)},
            "polarity_review": {"accuracy": float(acc_review), "macro_f1": float(mf1_review)},
        }
        print(
            f"| {k} | {np.mean(got):.3f} ± {np.std(got):.3f} | {np.mean(every):.3f} "
            f"| {per_topic}/{seeds} | {acc:.3f} / {mf1:.3f} | {acc_review:.3f} / {mf1_review:.3f} |"
        )
    return out


def run(only: str | None = None) -> dict[str, Any]:
    out = {}
    for name, make in SETS.items():
        if only in (None, name):
            data = make()
            out[name] = evaluate(data) | {"corrected": with_corrections(data)}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", choices=sorted(SETS))
    args = parser.parse_args()
    print(json.dumps(run(args.only)))


if __name__ == "__main__":
    main()
