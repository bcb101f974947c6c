"""Does the refit check use a workspace's sentiment head only where it helps?

A refit head is used only if it agrees with more of the corrections it did not see (5-fold)
than the shipped model, and, once 25 random audits are among them, with not significantly
fewer of those (McNemar's exact test, one-sided 5 %); otherwise the shipped model labels
the workspace (enrichment.workspace_sentiment, ``CrossValidation.beats``). The check sees
only the corrections, most of them mentions the model was unsure of; what matters is every
other mention. So: a set's tweets as one workspace (``--set``: the 14,640 airline tweets, or
SentiRuEval's 16,866 bank and telecom tweets about one brand, as evals.label_error reads
them), a user labelling 800 of them through Hark's queue in batches of 100 (the annotators'
labels stand in), a refit after each batch (evals.label_error.queue_refits), for two models:
- "shipped": the shipped model, which saw the set's train part (a workspace like the data
  the model was trained on, where a head has little to add and much to lose);
- "new customer": the general model trained without that set (leave one set out), where the
  workspace's corrections teach what the model never saw.

For each refit it prints the check's figures, whether it used the head, and the head's
effect on the tweets nobody corrected (macro-F1 and accuracy against the crowd, shipped
model vs head), then how often the check decided right: a head that raises macro-F1 on the
uncorrected tweets (the figure the sentiment goals are set in) should be used, one that
lowers it should not; the same judged by accuracy beside it.

    python -m evals.refit_check [--set airline|sentirueval] [--seeds 2] [--total 800]
                                [--batch 100] [--models shipped]
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterable
from typing import Any

import numpy as np

from enrichment.sentiment import LABELS, SentimentModel, softmax
from evals.common import OUT, embed_texts, macro_f1
from evals.label_error import SETS, QueueRefit, queue_refits
from evals.learning_curve import loo_model
from evals.sentiment import Data
from evals.sentiment_train import detect_languages


def _scores(logits: np.ndarray, truth: list[str], rows: np.ndarray) -> tuple[float, float]:
    pred = [LABELS[int(j)] for j in logits[rows].argmax(1)]
    want = [truth[int(i)] for i in rows]
    acc = float(np.mean([p == t for p, t in zip(pred, want, strict=True)]))
    return round(macro_f1(want, pred), 4), round(acc, 4)


def judged(
    steps: Iterable[QueueRefit], vectors: np.ndarray, truth: list[str], seed: int
) -> list[dict[str, Any]]:
    """A queue session's refits, each with the check's figures and the head's effect on
    the tweets not corrected by then."""
    out = []
    for step in steps:
        checked = step.fitted.checked
        if checked is None:
            continue
        rest = np.setdiff1d(np.arange(len(truth)), step.taken)
        with_head = step.base + step.fitted.head.adjust(vectors)
        f1_before, acc_before = _scores(step.base, truth, rest)
        f1_after, acc_after = _scores(softmax(with_head), truth, rest)
        out.append(
            {
                "seed": seed,
                "corrections": len(step.taken),
                "random_audits": len(step.randoms),
                "check_before": checked.before,
                "check_after": checked.after,
                "audits_before": checked.audits_before,
                "audits_after": checked.audits_after,
                "used": step.fitted.active,
                "f1_before": f1_before,
                "f1_after": f1_after,
                "accuracy_before": acc_before,
                "accuracy_after": acc_after,
            }
        )
    return out


def _figure(v: float | None) -> str:
    return "–" if v is None else f"{v:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--set", choices=sorted(SETS), default="airline")
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--total", type=int, default=800)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument(
        "--models",
        nargs="+",
        choices=["shipped", "new-customer"],
        default=["shipped", "new-customer"],
        help="new-customer trains the general model without the set (cached after)",
    )
    args = parser.parse_args()
    load, left_out, _ = SETS[args.set]
    texts, truth, _ = load()
    vectors = embed_texts(texts)
    langs = detect_languages(texts)
    models = {}
    if "shipped" in args.models:
        models["shipped"] = SentimentModel.load()
    if "new-customer" in args.models:
        models["new customer"] = loo_model(Data(), left_out)
    results: dict[str, list[dict[str, Any]]] = {}
    for name, model in models.items():
        results[name] = [
            row
            for seed in range(args.seeds)
            for row in judged(
                queue_refits(
                    model,
                    vectors,
                    texts,
                    langs,
                    truth,
                    args.total,
                    args.batch,
                    np.random.default_rng(seed),
                ),
                vectors,
                truth,
                seed,
            )
        ]
    print(
        "\n| model | seed | corrections (audits) | check: shipped -> head | audits: shipped -> "
        "head | used | uncorrected macro-F1 | uncorrected accuracy |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for name, rows in results.items():
        for r in rows:
            print(
                f"| {name} | {r['seed']} | {r['corrections']} ({r['random_audits']}) | "
                f"{r['check_before']:.2f} -> {r['check_after']:.2f} | "
                f"{_figure(r['audits_before'])} -> {_figure(r['audits_after'])} | "
                f"{'yes' if r['used'] else 'no'} | {r['f1_before']:.3f} -> {r['f1_after']:.3f} | "
                f"{r['accuracy_before']:.3f} -> {r['accuracy_after']:.3f} |"
            )
    print(
        "\n| model | refits | used | helped (macro-F1) | decided right | harmful heads used "
        "| helpful heads left off | helped (accuracy) | decided right (accuracy) |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    summary = {}
    for name, rows in results.items():
        used = [r["used"] for r in rows]
        helped = [r["f1_after"] > r["f1_before"] for r in rows]
        helped_acc = [r["accuracy_after"] > r["accuracy_before"] for r in rows]
        summary[name] = {
            "refits": len(rows),
            "used": sum(used),
            "helped": sum(helped),
            "right": sum(h == u for h, u in zip(helped, used, strict=True)),
            "harmful_used": sum(u and not h for h, u in zip(helped, used, strict=True)),
            "helpful_left_off": sum(h and not u for h, u in zip(helped, used, strict=True)),
            "helped_accuracy": sum(helped_acc),
            "right_accuracy": sum(h == u for h, u in zip(helped_acc, used, strict=True)),
        }
        s = summary[name]
        print(
            f"| {name} | {s['refits']} | {s['used']} | {s['helped']} | {s['right']} | "
            f"{s['harmful_used']} | {s['helpful_left_off']} | {s['helped_accuracy']} | "
            f"{s['right_accuracy']} |"
        )
    OUT.mkdir(exist_ok=True)
    (OUT / f"refit_check.{args.set}.json").write_text(
        json.dumps({"set": args.set, "refits": results, "summary": summary}, indent=2),
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
