"""Topics against the airline tweets' `negativereason` labels.

The taxonomy (enrichment/catalogs/airline.taxonomy.yaml) was written from the reason names and
a few phrases of our own; nothing is trained on tweets. Only the two assignment thresholds
are tuned, on the training part (80 %, by tweet-id hash); scores are on the held-out part.

    python -m evals.topics            # score the shipped defaults and the tuned thresholds
    python -m evals.topics --centre   # rebuild the embedder's centre vector first

Macro-F1 is over the nine reasons (a tweet counts for every topic assigned to it); accuracy
compares the best topic (none when nothing passes) with the label, "Can't Tell" meaning none.
"""

from __future__ import annotations

import argparse
import collections
import csv
import itertools
import json
from dataclasses import dataclass, replace

import numpy as np
from sklearn.metrics import f1_score

from enrichment.taxonomy import Taxonomy, TopicModel
from enrichment.topic_space import centre_path, load_centre
from evals.common import embed_texts, embedder
from evals.sentiment_data import DATA, _held_out, load
from hark.text import slug

TAXONOMY = "enrichment/catalogs/airline.taxonomy.yaml"
CANT_TELL = "can_t_tell"


@dataclass
class Scores:
    macro_f1: float
    accuracy: float
    coverage: float


def reason_tweets() -> tuple[list[str], list[str], np.ndarray]:
    texts, truth, held = [], [], []
    path = DATA / "twitter-us-airline-sentiment" / "tweets.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            if r["negativereason"]:
                texts.append(r["text"])
                truth.append(slug(r["negativereason"]))
                held.append(_held_out(r["tweet_id"]))
    return texts, truth, np.array(held)


def score(assigned: list[list[tuple[str, float]]], truth: list[str], topics: list[str]) -> Scores:
    has = [{a for a, _ in got} for got in assigned]
    # One column per topic: a tweet is a positive of its reason, and predicted for every topic
    # assigned to it (multi-label), so a second topic counts as a false positive.
    shape = (-1, len(topics))
    y_true = np.array([[t == y for t in topics] for y in truth], dtype=bool).reshape(shape)
    y_pred = np.array([[t in h for t in topics] for h in has], dtype=bool).reshape(shape)
    top = [got[0][0] if got else CANT_TELL for got in assigned]
    return Scores(
        float(f1_score(y_true, y_pred, average="macro", zero_division=0)),
        float(np.mean([p == y for p, y in zip(top, truth, strict=True)])),
        float(np.mean([bool(g) for g in assigned])),
    )


def tune(model: TopicModel, scores: np.ndarray, truth: list[str]) -> tuple[float, float]:
    """The (threshold, margin) with the best training macro-F1."""
    best = (-1.0, 0.0, 0.0)
    for th, mg in itertools.product(np.arange(0.0, 0.61, 0.025), (0.0, 0.02, 0.05, 0.1, 0.2)):
        m = replace(model, taxonomy=replace(model.taxonomy, threshold=th, margin=mg))
        f1 = score(m.assign(scores), truth, model.ids).macro_f1
        if f1 > best[0]:
            best = (f1, float(th), float(mg))
    return best[1], best[2]


def build_centre() -> None:
    """Mean e5 passage vector over a multilingual sample of every labelled set's training
    part (texts only), so centring does not lean towards one language."""
    examples = [e for e in load(200, 0) if not e.held_out]
    mean = embed_texts([e.text for e in examples]).mean(axis=0).astype(np.float32)
    path = centre_path(embedder().name)
    np.save(path, mean)
    load_centre.cache_clear()
    counts = collections.Counter(e.dataset for e in examples)
    print(f"wrote {path} from {sum(counts.values())} texts: {dict(counts)}")


def run() -> dict[str, object]:
    texts, truth, held = reason_tweets()
    vectors = embed_texts(texts)
    taxonomy = Taxonomy.from_yaml(open(TAXONOMY, encoding="utf-8").read())
    model = TopicModel.build(taxonomy, embedder(), load_centre(embedder().name, embedder().dim))
    sims = model.scores(vectors)
    train, test = np.flatnonzero(~held), np.flatnonzero(held)
    th, mg = tune(model, sims[train], [truth[i] for i in train])
    tuned = replace(model, taxonomy=replace(taxonomy, threshold=th, margin=mg))
    test_truth = [truth[i] for i in test]
    majority = collections.Counter(truth[i] for i in train).most_common(1)[0][0]
    rows = {
        "majority class": score([[(majority, 1.0)]] * len(test), test_truth, model.ids),
        "best topic, no threshold": score(
            [[(model.ids[int(j)], 1.0)] for j in sims[test].argmax(1)], test_truth, model.ids
        ),
        "hark, shipped defaults": score(model.assign(sims[test]), test_truth, model.ids),
        f"hark, tuned (t={th:.3f}, m={mg:.2f})": score(
            tuned.assign(sims[test]), test_truth, model.ids
        ),
    }
    print(f"airline negativereason, held-out n={len(test)} (train n={len(train)})")
    print(f"{'method':34} {'macro-F1':>9} {'accuracy':>9} {'coverage':>9}")
    for name, s in rows.items():
        print(f"{name:34} {s.macro_f1:9.3f} {s.accuracy:9.3f} {s.coverage:9.3f}")
    return {
        "n_test": len(test),
        "tuned": {"threshold": th, "margin": mg},
        **{k: vars(v) for k, v in rows.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--centre", action="store_true", help="rebuild the centre vector first")
    args = parser.parse_args()
    if args.centre:
        build_centre()
    print(json.dumps(run()))


if __name__ == "__main__":
    main()
