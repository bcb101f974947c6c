"""Learning from a workspace: a new customer starts from the general sentiment model trained
without its dataset, corrects 0 / 50 / 100 / 200 / 500 mentions, and Hark refits the
workspace's head (enrichment.workspace_sentiment) after each batch. Corrections come either
from Hark's labeling queue (enrichment.labeling_queue: least sure first, weighted, every
fourth a random pick) or at random; the user's answers are the set's own labels (train part
only); every point is scored on the set's held-out part, which no correction ever touches.
"queue" and "random" always use the head (what the corrections can teach); "queue, checked"
uses it only where the refit check passes, as a workspace does, and picks under the model
in use.

    python -m evals.learning_curve [--sets airline-en sentirueval-ru] [--seeds 3]

Prints one markdown table per set (macro-F1 and accuracy; the mean over seeds, min–max) and
the floor (logistic regression on the set's whole train part) for reference.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from enrichment.labeling_queue import Candidate, Pick, choose
from enrichment.sentiment import CURRENT, LABELS, SentimentModel, softmax
from enrichment.workspace_sentiment import fit_head, refit
from evals.common import OUT, macro_f1
from evals.sentiment import Data, table
from evals.sentiment_train import Params, floor_predictions

STEPS = (0, 50, 100, 200, 500)
# "queue, checked": the queue's picks with the head used only where the refit check passes,
# as in a workspace; the other two always use the head, to show what corrections can teach.
STRATEGIES = ("queue", "queue, checked", "random")
BACKGROUND = 3000


def _next_batch(
    strategy: str,
    rng: np.random.Generator,
    probs: np.ndarray,
    taken: set[int],
    need: int,
) -> list[tuple[int, bool]]:
    """The next ``need`` picks, each with whether it was a random (audit) pick."""
    free = np.array([i for i in range(len(probs)) if i not in taken])
    if strategy == "random":
        return [(int(i), True) for i in rng.choice(free, size=min(need, len(free)), replace=False)]
    # The queue's random picks: a random order of the rest (the audit sample).
    picks = queue_picks(probs, free, [int(i) for i in rng.permutation(free)], need)
    return [(p.id, p.pick == "random") for p in picks]


def queue_picks(
    probs: np.ndarray, free: np.ndarray, randoms: Sequence[int], need: int
) -> list[Pick]:
    """``need`` picks as Hark's queue makes them: its candidates are the least confident of
    ``free`` (rows of ``probs``), interleaved with ``randoms`` (audit members, in order)."""
    order = free[np.argsort(probs[free].max(axis=1), kind="stable")][: need * 10]
    uncertain = [
        Candidate(int(i), (float(probs[i, 0]), float(probs[i, 1]), float(probs[i, 2])), None)
        for i in order
    ]
    return choose(uncertain, randoms, limit=need, latest=None)


def loo_model(data: Data, name: str) -> SentimentModel:
    """The general model trained on every set's train part but ``name``'s (what a new
    customer with that data gets), cached under evals/out/loo/ per shipped model version."""
    directory = OUT / "loo"
    version = f"{CURRENT}.without-{name}"
    try:
        return SentimentModel.load(version, directory)
    except FileNotFoundError:
        pass
    others = [s for s in data.sets if s != name]
    model = replace(
        data.fit(data.rows(held_out=False, sets=others), Params(refit=False)), version=version
    )
    model.save({"trained_without": name}, directory)
    return model


def curve(data: Data, name: str, seeds: int, steps: Sequence[int] = STEPS) -> dict[str, Any]:
    t0 = time.perf_counter()
    base = loo_model(data, name)
    fit_s = time.perf_counter() - t0
    pool = data.rows(held_out=False, sets=[name])
    test = data.rows(held_out=True, sets=[name])
    y_pool = np.array([LABELS.index(t) for t in data.truth(pool)])
    truth_test = data.truth(test)

    def logits(idx: np.ndarray) -> np.ndarray:
        return np.asarray(
            base.logits(
                data.vectors[idx],
                [data.examples[i].text for i in idx],
                [data.languages[i] for i in idx],
            ),
            np.float64,
        )

    lp, lt = logits(pool), logits(test)
    xp, xt = data.vectors[pool], data.vectors[test]
    rng0 = np.random.default_rng(0)
    background = xp[rng0.choice(len(xp), size=min(BACKGROUND, len(xp)), replace=False)]
    floor = floor_predictions(xp, data.truth(pool), xt)

    def score(test_logits: np.ndarray) -> tuple[float, float]:
        pred = [LABELS[int(j)] for j in test_logits.argmax(1)]
        acc = float(np.mean([p == t for p, t in zip(pred, truth_test, strict=True)]))
        return macro_f1(truth_test, pred), acc

    results: dict[str, dict[int, list[tuple[float, float]]]] = {}
    for strategy in STRATEGIES:
        results[strategy] = {s: [] for s in steps}
        for seed in range(seeds):
            rng = np.random.default_rng(100 + seed)
            taken: list[tuple[int, bool]] = []
            head = None
            for step in steps:
                if step > len(taken):
                    current = lp if head is None else lp + head.adjust(xp)
                    taken += _next_batch(
                        strategy.split(",")[0],
                        rng,
                        softmax(current),
                        {i for i, _ in taken},
                        step - len(taken),
                    )
                    sel = np.array([i for i, _ in taken])
                    labels = [LABELS[int(j)] for j in y_pool[sel]]
                    if strategy == "queue, checked":
                        # As the service does: used only if it beats the general model on
                        # held-out folds (enrichment.workspace_sentiment.refit).
                        fitted = refit(lp[sel], xp[sel], labels, background, [r for _, r in taken])
                        head = fitted.head if fitted.active else None
                    else:
                        head = fit_head(lp[sel], xp[sel], labels, version=0, background=background)
                test_logits = lt if head is None else lt + head.adjust(xt)
                results[strategy][step].append(score(test_logits))
    return {
        "set": name,
        "pool": len(pool),
        "test": len(test),
        "base_fit_seconds": round(fit_s, 1),
        "floor_f1": round(macro_f1(truth_test, floor), 4),
        "curve": {
            strategy: {
                str(step): {
                    "f1": round(float(np.mean([f for f, _ in runs])), 4),
                    "f1_min": round(float(np.min([f for f, _ in runs])), 4),
                    "f1_max": round(float(np.max([f for f, _ in runs])), 4),
                    "accuracy": round(float(np.mean([a for _, a in runs])), 4),
                }
                for step, runs in by_step.items()
            }
            for strategy, by_step in results.items()
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sets", nargs="+", default=["airline-en", "sentirueval-ru"])
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    data = Data()
    out = []
    for name in args.sets:
        got = curve(data, name, args.seeds)
        out.append(got)
        print(
            f"\n{name}: general model trained without this set "
            f"(pool {got['pool']}, held-out {got['test']}; floor {got['floor_f1']:.3f})\n"
        )
        rows = []
        for step in STEPS:
            row: list[object] = [step]
            for strategy in STRATEGIES:
                c = got["curve"][strategy][str(step)]
                row += [f"{c['f1']:.3f} ({c['f1_min']:.3f}–{c['f1_max']:.3f})", c["accuracy"]]
            rows.append(row)
        table(
            ["corrections"] + [f"{s} {m}" for s in STRATEGIES for m in ("macro-F1", "acc")],
            rows,
        )
    OUT.mkdir(exist_ok=True)
    (OUT / "learning_curve.json").write_text(json.dumps(out, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
