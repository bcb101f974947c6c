"""Counts that carry their error, against the crowd: negative tweets per airline and day (the
set's own UTC-08:00 days, groups of at least --min-tweets tweets), counted by Hark's labels
and estimated with analytics.prevalence, beside the crowd's count.

Three workspaces of all 14,640 airline tweets:
- "shipped": the shipped model, which saw the airline train part (in-domain, optimistic);
- "new customer": the general model trained without the airline set (leave one set out), no
  corrections: the estimate is the sum of calibrated probabilities, its interval from the
  model's leave-one-out error;
- "new customer + audits": the same with --audits random picks labelled by the user (the
  crowd's labels stand in), which correct the estimate by their ratio;
- "new customer + audits, refit": the same audits refit the workspace's sentiment head
  (``hark label refit``: enrichment.workspace_sentiment, activated only if it agrees with
  the audits better on held-out folds); every other tweet is re-labelled by it, and the
  estimate is corrected by the audits' held-out probabilities, as a refit's counts are
  (store.prevalence.random_audits).

    python -m evals.label_error [--audits 200] [--seeds 5]

Prints mean relative error of the label count and of the estimate (|x - truth| / truth),
and how often the 90 % interval holds the truth.
"""

from __future__ import annotations

import argparse
import csv
import json
from collections import defaultdict
from datetime import datetime
from typing import Any

import numpy as np

from analytics.prevalence import Audit, ClassSums, LabelErrors, estimate
from enrichment.sentiment import LABELS, SentimentModel, softmax
from enrichment.workspace_sentiment import refit
from evals.common import OUT, embed_texts
from evals.learning_curve import loo_model
from evals.sentiment import Data
from evals.sentiment_data import DATA
from evals.sentiment_train import detect_languages
from services.labels import BACKGROUND_SAMPLE

NEG = LABELS.index("negative")


def _airline() -> tuple[list[str], list[str], list[tuple[str, str]]]:
    texts, truth, groups = [], [], []
    with (DATA / "twitter-us-airline-sentiment" / "tweets.csv").open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            if not r["text"].strip():
                continue
            day = datetime.strptime(r["tweet_created"], "%m/%d/%Y %H:%M").date().isoformat()
            texts.append(r["text"])
            truth.append(r["airline_sentiment"])
            groups.append((r["airline"], day))
    return texts, truth, groups


def score(
    p: np.ndarray,
    truth: list[str],
    groups: list[tuple[str, str]],
    general: SentimentModel,
    audited: np.ndarray,
    min_tweets: int,
    shown: np.ndarray | None = None,
) -> dict[str, float]:
    """Per group: the label count (corrections applied) and the estimate, against the truth.
    ``shown``: what the audited tweets were shown with, where ``p`` holds a refit's held-out
    probabilities for them."""
    by_group: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, g in enumerate(groups):
        by_group[g].append(i)
    y = np.array([t == "negative" for t in truth])
    top = p.argmax(1) == NEG
    audits = [
        Audit(tuple(p[i]), truth[i], "en", None if shown is None else tuple(shown[i]))
        for i in np.flatnonzero(audited)
    ]
    errors = LabelErrors(general=general.prevalence_error, audits=audits)
    raw_err, est_err, covered, n = [], [], 0, 0
    for idx in by_group.values():
        if len(idx) < min_tweets:
            continue
        ix = np.array(idx)
        true = int(y[ix].sum())
        if true == 0:
            continue
        corrected = audited[ix]
        model_ix = ix[~corrected]
        labelled = int(np.where(corrected, y[ix], top[ix]).sum())
        sums = ClassSums(
            labelled=labelled,
            exact=int(y[ix][corrected].sum()),
            p_sum=float(p[model_ix, NEG].sum()),
            p_var=float((p[model_ix, NEG] * (1 - p[model_ix, NEG])).sum()),
        )
        est = estimate({"en": sums}, "negative", errors, model_total=len(model_ix))
        raw_err.append(abs(labelled - true) / true)
        est_err.append(abs(est.value - true) / true)
        covered += est.low <= true <= est.high
        n += 1
    return {
        "groups": n,
        "label_count_mre": round(float(np.mean(raw_err)), 4),
        "estimate_mre": round(float(np.mean(est_err)), 4),
        "interval_coverage": round(covered / n, 4),
    }


def refit_proba(
    model: SentimentModel,
    vectors: np.ndarray,
    texts: list[str],
    langs: list[str | None],
    truth: list[str],
    audited: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """Every tweet's probabilities after a refit on the audits, as the service makes it
    (services.labels: a head over the model, background vectors from the workspace, kept
    only if it agrees better on held-out folds); the audited tweets carry their held-out
    probabilities, which is what their ratio is measured on."""
    base = np.asarray(model.logits(vectors, texts, langs), np.float64)
    ix = np.flatnonzero(audited)
    labels = [truth[i] for i in ix]
    background = vectors[rng.choice(len(texts), size=BACKGROUND_SAMPLE, replace=False)]
    fitted = refit(base[ix], vectors[ix], labels, background)
    if fitted.checked is None or fitted.worse:
        return softmax(base)
    p = softmax(base + fitted.head.adjust(vectors))
    p[ix] = fitted.checked.proba
    return p


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--audits", type=int, default=200)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--min-tweets", type=int, default=20)
    args = parser.parse_args()
    texts, truth, groups = _airline()
    vectors = embed_texts(texts)
    langs = detect_languages(texts)
    shipped = SentimentModel.load()
    loo = loo_model(Data(), "airline-en")
    none = np.zeros(len(texts), bool)
    results: dict[str, Any] = {}
    for name, model in (("shipped", shipped), ("new customer", loo)):
        p = model.proba(vectors, texts, langs)
        # The error a new customer's answers allow for is the shipped model's, measured
        # leave one set out (the artifact's prevalence_error); the LOO copy carries none.
        results[name] = score(p, truth, groups, shipped, none, args.min_tweets)
        if name == "new customer":
            runs, refit = [], []
            for seed in range(args.seeds):
                rng = np.random.default_rng(seed)
                audited = none.copy()
                audited[rng.choice(len(texts), size=args.audits, replace=False)] = True
                runs.append(score(p, truth, groups, shipped, audited, args.min_tweets))
                refit.append(
                    score(
                        refit_proba(model, vectors, texts, langs, truth, audited, rng),
                        truth,
                        groups,
                        shipped,
                        audited,
                        args.min_tweets,
                        shown=p,
                    )
                )
            for label, got in (("", runs), (", refit", refit)):
                results[f"new customer + {args.audits} random audits{label}"] = {
                    k: round(float(np.mean([r[k] for r in got])), 4) for k in got[0]
                }
    print(
        f"\nNegative tweets per airline and day (groups of at least {args.min_tweets} tweets), "
        "against the crowd's labels:\n"
    )
    print(
        "| workspace | groups | label count: mean rel. error | estimate: mean rel. error "
        "| 90 % interval holds the truth |"
    )
    print("|---|---|---|---|---|")
    for name, r in results.items():
        print(
            f"| {name} | {r['groups']:.0f} | {r['label_count_mre']:.3f} | "
            f"{r['estimate_mre']:.3f} | {r['interval_coverage']:.0%} |"
        )
    OUT.mkdir(exist_ok=True)
    (OUT / "label_error.json").write_text(json.dumps(results, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
