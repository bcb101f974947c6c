"""Counts that carry their error, against the annotators: tweets of a sentiment per brand and
day (groups of at least --min-tweets tweets, at least one of them of the class), counted by
Hark's labels and estimated with analytics.prevalence, beside the annotators' count. Two
sets:

- ``airline`` (default): all 14,640 airline tweets, per airline and the set's own UTC-08:00
  day (the set the interval's constants were chosen on);
- ``sentirueval``: the 16,866 SentiRuEval bank and telecom tweets about one brand, per brand
  and UTC day (the annotators' brand column stands in for Hark's brand matching, F1 0.997 on
  these tweets): a set, a language and brands the constants never saw.

Workspaces of all of a set's tweets:
- "shipped": the shipped model, which saw the airline train part (in-domain, optimistic);
- "new customer": the general model trained without the airline set (leave one set out), no
  corrections: the estimate is the sum of calibrated probabilities, its interval from the
  model's leave-one-out error;
- "new customer + audits": the same with --audits random picks labelled by the user (the
  crowd's labels stand in), which correct the estimate by their ratio;
- "new customer + audits, refit": the same audits refit the workspace's sentiment head
  (``hark label refit``: enrichment.workspace_sentiment, used only if it beats the shipped
  model on held-out folds); every other tweet is re-labelled by it, and the
  estimate is corrected by the audits' held-out probabilities, as a refit's counts are
  (store.prevalence.random_audits);
- "new customer + N through the queue": how a workspace gets its audits in practice: the user
  labels --queue tweets with `hark label` (least sure first, every fourth a random audit
  pick), refitting after every 100; all corrections teach the head, only the random picks
  correct the estimate.

    python -m evals.label_error [--set airline] [--sentiment negative] [--audits 200]
                                [--queue 800] [--seeds 5]

Prints mean relative error of the label count and of the estimate (|x - truth| / truth),
how often the 90 % interval holds the truth, and on which side it misses.
"""

from __future__ import annotations

import argparse
import csv
import json
from collections import defaultdict, deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np

from analytics.prevalence import Audit, ClassSums, LabelErrors, estimate
from enrichment.labeling_queue import RANDOM_EVERY
from enrichment.sentiment import LABELS, SentimentModel, softmax
from enrichment.workspace_sentiment import Refit, refit
from evals.common import OUT, embed_texts
from evals.learning_curve import loo_model, queue_picks
from evals.sentiment import Data
from evals.sentiment_data import DATA, sentirueval_rows
from evals.sentiment_train import detect_languages
from services.labels import BACKGROUND_SAMPLE

Tweets = tuple[list[str], list[str], list[tuple[str, str]]]  # texts, truth, (brand, day)


def airline_tweets() -> Tweets:
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


def sentirueval_tweets() -> Tweets:
    """SentiRuEval-2015 bank and telecom tweets (both splits) about exactly one brand."""
    texts, truth, groups = [], [], []
    for r, judged in sentirueval_rows():
        if len(judged) != 1 or not r["text"].strip():
            continue
        ((brand, sentiment),) = judged.items()
        texts.append(r["text"])
        truth.append(sentiment)
        groups.append((brand, r["date_utc_iso"][:10]))
    return texts, truth, groups


# --set: the tweets, the set the new customer's model was trained without, and the language
# the tweets' counts carry the model's general error of (SentimentModel.prevalence_error).
SETS = {
    "airline": (airline_tweets, "airline-en", "en"),
    "sentirueval": (sentirueval_tweets, "sentirueval-ru", "ru"),
}


def score(
    p: np.ndarray,
    truth: list[str],
    groups: list[tuple[str, str]],
    general: SentimentModel,
    audited: np.ndarray,
    min_tweets: int,
    shown: np.ndarray | None = None,
    corrected: np.ndarray | None = None,
    sentiment: str = "negative",
    language: str = "en",
) -> dict[str, float]:
    """Per group: the label count (corrections applied) and the estimate, against the truth.
    ``audited``: the random audits, which correct the estimate; ``corrected``: every
    corrected tweet (default: the audits), which counts by its correction. ``shown``: what
    the audited tweets were shown with, where ``p`` holds a refit's held-out probabilities
    for them. Only groups with at least one tweet of the class are scored (a relative error
    needs a truth above zero)."""
    fixed = audited if corrected is None else corrected
    by_group: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, g in enumerate(groups):
        by_group[g].append(i)
    k = LABELS.index(sentiment)
    y = np.array([t == sentiment for t in truth])
    top = p.argmax(1) == k
    audits = [
        Audit(tuple(p[i]), truth[i], language, None if shown is None else tuple(shown[i]))
        for i in np.flatnonzero(audited)
    ]
    errors = LabelErrors(general=general.prevalence_error, audits=audits)
    raw_err, est_err, width, above, below, n = [], [], [], 0, 0, 0
    for idx in by_group.values():
        if len(idx) < min_tweets:
            continue
        ix = np.array(idx)
        true = int(y[ix].sum())
        if true == 0:
            continue
        known = fixed[ix]
        model_ix = ix[~known]
        labelled = int(np.where(known, y[ix], top[ix]).sum())
        sums = ClassSums(
            labelled=labelled,
            exact=int(y[ix][known].sum()),
            p_sum=float(p[model_ix, k].sum()),
            p_var=float((p[model_ix, k] * (1 - p[model_ix, k])).sum()),
        )
        est = estimate({language: sums}, sentiment, errors, model_total=len(model_ix))
        raw_err.append(abs(labelled - true) / true)
        est_err.append(abs(est.value - true) / true)
        width.append((est.high - est.low) / true)
        above += true > est.high
        below += true < est.low
        n += 1
    if not n:
        raise ValueError(f"no group of {min_tweets}+ tweets holds a {sentiment} one")
    return {
        "groups": n,
        "label_count_mre": round(float(np.mean(raw_err)), 4),
        "estimate_mre": round(float(np.mean(est_err)), 4),
        "interval_coverage": round(1 - (above + below) / n, 4),
        "truth_above": round(above / n, 4),
        "truth_below": round(below / n, 4),
        "median_width": round(float(np.median(width)), 4),
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
    only if it beats the shipped model on held-out folds); the audited tweets carry their held-out
    probabilities, which is what their ratio is measured on."""
    base = np.asarray(model.logits(vectors, texts, langs), np.float64)
    ix = np.flatnonzero(audited)
    labels = [truth[i] for i in ix]
    background = vectors[rng.choice(len(texts), size=BACKGROUND_SAMPLE, replace=False)]
    # Every correction here is a random audit: the audit gate judges the same tweets.
    fitted = refit(base[ix], vectors[ix], labels, background, [True] * len(ix))
    if fitted.checked is None or not fitted.active:
        return softmax(base)
    p = softmax(base + fitted.head.adjust(vectors))
    p[ix] = fitted.checked.proba
    return p


@dataclass(frozen=True)
class QueueRefit:
    """One refit of a queue session: what was labelled so far and what came of it."""

    taken: list[int]  # corrected tweets, in the order they were labelled
    randoms: list[int]  # those of them that were random audit picks
    fitted: Refit
    base: np.ndarray  # every tweet's shipped-model logits
    shown: np.ndarray  # what each tweet was shown with when it was picked


def queue_refits(
    model: SentimentModel,
    vectors: np.ndarray,
    texts: list[str],
    langs: list[str | None],
    truth: list[str],
    total: int,
    batch: int,
    rng: np.random.Generator,
) -> Iterator[QueueRefit]:
    """A user who labels ``total`` tweets through Hark's queue (enrichment.labeling_queue:
    least sure first, every fourth a random audit pick from the audit sample) in batches
    of ``batch``, refitting after each, as `hark label` and `hark label refit` do; the next
    batch is picked under the head in use (one that does not beat the shipped model on
    held-out folds is kept but not used, and the shipped model takes over, as
    services.labels does)."""
    base = np.asarray(model.logits(vectors, texts, langs), np.float64)
    background = vectors[rng.choice(len(texts), size=BACKGROUND_SAMPLE, replace=False)]
    audit_order = [int(i) for i in rng.permutation(len(texts))[: len(texts) // 10]]
    # As the store's queue: members of the audit sample are offered only as random picks.
    members = np.zeros(len(texts), bool)
    members[audit_order] = True
    p = softmax(base)
    shown = p.copy()
    taken: list[int] = []
    randoms: list[int] = []
    while len(taken) < total:
        free = np.setdiff1d(np.flatnonzero(~members), taken)
        done = set(taken)
        picks = queue_picks(
            p, free, [i for i in audit_order if i not in done], min(batch, total - len(taken))
        )
        for pick in picks:
            shown[pick.id] = p[pick.id]
            taken.append(pick.id)
            if pick.pick == "random":
                randoms.append(pick.id)
        ix = np.array(taken)
        fitted = refit(
            base[ix], vectors[ix], [truth[i] for i in ix], background, np.isin(ix, randoms)
        )
        # A refit that is not used switches off the one before it (services.labels).
        p = softmax(base + fitted.head.adjust(vectors) if fitted.active else base)
        yield QueueRefit(list(taken), list(randoms), fitted, base, shown.copy())


def session_end(
    refits: Iterable[QueueRefit], vectors: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The end of a queue session (the last of ``queue_refits`` over the tweets of
    ``vectors``): every tweet's probabilities under the last refit if it is used, else the
    shipped model's (the audits' from heads fit without them), the corrected and the audited
    masks, and what each tweet was shown with when it was picked."""
    steps = deque(refits, maxlen=1)
    if not steps:
        raise ValueError("a queue session labels at least one tweet")
    last = steps[0]
    corrected = np.zeros(len(vectors), bool)
    corrected[last.taken] = True
    audited = np.zeros(len(vectors), bool)
    audited[last.randoms] = True
    fitted = last.fitted
    if not fitted.active or fitted.checked is None:
        return softmax(last.base), corrected, audited, last.shown
    p = softmax(last.base + fitted.head.adjust(vectors))
    # The audits it was fit on count with their held-out probabilities
    # (store.prevalence.random_audits).
    p[last.randoms] = fitted.checked.proba[np.isin(last.taken, last.randoms)]
    return p, corrected, audited, last.shown


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--set", choices=sorted(SETS), default="airline")
    parser.add_argument("--sentiment", choices=LABELS, default="negative")
    parser.add_argument("--audits", type=int, default=200)
    parser.add_argument(
        "--queue", type=int, default=800, help="tweets labelled through the queue (0: skip)"
    )
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--min-tweets", type=int, default=20)
    args = parser.parse_args()
    load, left_out, language = SETS[args.set]
    texts, truth, groups = load()
    vectors = embed_texts(texts)
    langs = detect_languages(texts)
    shipped = SentimentModel.load()
    loo = loo_model(Data(), left_out)
    none = np.zeros(len(texts), bool)

    def scored(p: np.ndarray, audited: np.ndarray, **kw: Any) -> dict[str, float]:
        # The error a new customer's answers allow for is the shipped model's, measured
        # leave one set out (the artifact's prevalence_error); the LOO copy carries none.
        return score(
            p,
            truth,
            groups,
            shipped,
            audited,
            args.min_tweets,
            sentiment=args.sentiment,
            language=language,
            **kw,
        )

    def mean(runs: list[dict[str, float]]) -> dict[str, float]:
        return {k: round(float(np.mean([r[k] for r in runs])), 4) for k in runs[0]}

    results: dict[str, Any] = {}
    for name, model in (("shipped", shipped), ("new customer", loo)):
        p = model.proba(vectors, texts, langs)
        results[name] = scored(p, none)
        if name != "new customer":
            continue
        runs, refits = [], []
        for seed in range(args.seeds):
            rng = np.random.default_rng(seed)
            audited = none.copy()
            audited[rng.choice(len(texts), size=args.audits, replace=False)] = True
            runs.append(scored(p, audited))
            refitted = refit_proba(model, vectors, texts, langs, truth, audited, rng)
            refits.append(scored(refitted, audited, shown=p))
        results[f"new customer + {args.audits} random audits"] = mean(runs)
        results[f"new customer + {args.audits} random audits, refit"] = mean(refits)
        if args.queue:
            queued = []
            for seed in range(args.seeds):
                rng = np.random.default_rng(seed)
                q, corrected, audited, shown = session_end(
                    queue_refits(model, vectors, texts, langs, truth, args.queue, 100, rng),
                    vectors,
                )
                queued.append(scored(q, audited, shown=shown, corrected=corrected))
            audits = args.queue // RANDOM_EVERY
            name = f"new customer + {args.queue} through the queue ({audits} random), refit"
            results[name] = mean(queued)
    print(
        f"\n{args.sentiment.capitalize()} tweets per brand and day, {args.set} "
        f"(groups of at least {args.min_tweets} tweets), against the annotators' labels:\n"
    )
    print(
        "| workspace | groups | label count: mean rel. error | estimate: mean rel. error "
        "| 90 % interval holds the truth | truth above / below it | median width / truth |"
    )
    print("|---|---|---|---|---|---|---|")
    for name, r in results.items():
        print(
            f"| {name} | {r['groups']:.0f} | {r['label_count_mre']:.3f} | "
            f"{r['estimate_mre']:.3f} | {r['interval_coverage']:.0%} | "
            f"{r['truth_above']:.0%} / {r['truth_below']:.0%} | {r['median_width']:.2f} |"
        )
    OUT.mkdir(exist_ok=True)
    out = OUT / f"label_error.{args.set}.{args.sentiment}.json"
    out.write_text(json.dumps(results, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
