"""Topics against the airline tweets' `negativereason` labels.

The taxonomy (enrichment/catalogs/airline.taxonomy.yaml) was written from the reason names and
a few phrases of our own; nothing is trained on tweets. Only the two assignment thresholds
are tuned, on the training part (80 %, by tweet-id hash); scores are on the held-out part.

    python -m evals.topics            # defaults, tuned thresholds, and 0/100/300 corrections
    python -m evals.topics --centre   # rebuild the embedder's centre vector first

Macro-F1 is over the nine reasons (a tweet counts for every topic assigned to it); accuracy
compares the best topic (none when nothing passes) with the label, "Can't Tell" meaning none.

Corrections are simulated from the crowd labels of training rows (a correction lists the
tweet's reason, or no topic for "Can't Tell"), picked at random or by uncertainty (rounds of
25: the unlabelled training rows whose score is closest to a topic's threshold, from a
random pool so seeds differ); the model is rebuilt from them (TopicModel.with_examples) and
scored on the held-out rows only.
"""

from __future__ import annotations

import argparse
import collections
import csv
import itertools
import json
from dataclasses import dataclass, replace

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score

from enrichment.taxonomy import Taxonomy, TopicModel
from enrichment.topic_examples import TopicExamples
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


def corrections(
    vectors: np.ndarray, truth: list[str], rows: np.ndarray, topics: list[str]
) -> TopicExamples:
    """The crowd's labels of ``rows`` as a user's corrections."""
    known = set(topics)
    return TopicExamples(vectors[rows], [frozenset({truth[i]} & known) for i in rows])


def pick_random(pool: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    return rng.choice(pool, size=k, replace=False)


def pick_uncertain(
    model: TopicModel,
    vectors: np.ndarray,
    truth: list[str],
    pool: np.ndarray,
    k: int,
    rng: np.random.Generator,
    step: int = 25,
    sample: int = 2000,
) -> np.ndarray:
    """Rounds of ``step``: refit, then label the rows (of a random ``sample`` of the pool)
    whose score is closest to some topic's threshold."""
    candidates = rng.choice(pool, size=min(sample, len(pool)), replace=False)
    chosen: list[int] = []
    current = model
    while len(chosen) < k:
        left = np.setdiff1d(candidates, chosen)
        s = current.scores(vectors[left])
        doubt = np.abs(s - current.thresholds).min(axis=1)
        take = left[np.argsort(doubt)[: min(step, k - len(chosen))]]
        chosen += [int(i) for i in take]
        current = model.with_examples(corrections(vectors, truth, np.array(chosen), model.ids))
    return np.array(chosen)


def run(seeds: int = 5) -> dict[str, object]:
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
        "0 corrections (shipped defaults)": score(model.assign(sims[test]), test_truth, model.ids),
        f"0 corrections, tuned (t={th:.3f}, m={mg:.2f})": score(
            tuned.assign(sims[test]), test_truth, model.ids
        ),
    }
    # References, not Hark methods: one multinomial logistic regression (reasons + "Can't
    # Tell" as none) trained on every training row, what 7k labels buy: on the vectors, and
    # with character 2-5-grams of the text beside them (the best measured; word n-grams,
    # prototype scores as features and C=10 all scored lower).
    centred = model._centred(vectors)
    labels = [t if t in model.ids else CANT_TELL for t in truth]
    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2)
    chars.fit([texts[i] for i in train])
    for name, features in (
        ("logistic regression", sp.csr_matrix(centred)),
        ("the same + character n-grams", sp.hstack([centred, chars.transform(texts)]).tocsr()),
    ):
        clf = LogisticRegression(C=1.0, class_weight="balanced", max_iter=3000)
        clf.fit(features[train], [labels[i] for i in train])
        rows[f"reference: {name} on all {len(train)} train rows"] = score(
            [[] if p == CANT_TELL else [(str(p), 1.0)] for p in clf.predict(features[test])],
            test_truth,
            model.ids,
        )
    spread: dict[str, list[float]] = {}
    for k in (100, 300):
        for how in ("random", "uncertain"):
            runs = []
            for seed in range(seeds):
                rng = np.random.default_rng(seed)
                picked = (
                    pick_random(train, k, rng)
                    if how == "random"
                    else pick_uncertain(model, vectors, truth, train, k, rng)
                )
                fitted = model.with_examples(corrections(vectors, truth, picked, model.ids))
                runs.append(
                    score(fitted.assign(fitted.scores(vectors[test])), test_truth, model.ids)
                )
                if seed == 0:
                    stages = collections.Counter(fitted.stages().values())
            name = f"{k} corrections, {how} (seed 0)"
            rows[name] = runs[0]
            spread[name] = [r.macro_f1 for r in runs]
            print(f"{name}: stages {dict(stages)}", flush=True)
    print(f"\nairline negativereason, held-out n={len(test)} (train n={len(train)})\n")
    print(f"| method | macro-F1 | mean ± sd over {seeds} seeds | accuracy | coverage |")
    print("|---|---:|---:|---:|---:|")
    for name, s in rows.items():
        sd = spread.get(name)
        extra = f"{np.mean(sd):.3f} ± {np.std(sd):.3f}" if sd else ""
        print(f"| {name} | {s.macro_f1:.3f} | {extra} | {s.accuracy:.3f} | {s.coverage:.3f} |")
    return {
        "n_test": len(test),
        "n_train": len(train),
        "tuned": {"threshold": th, "margin": mg},
        **{k: vars(v) for k, v in rows.items()},
        "seeds": dict(spread),
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
