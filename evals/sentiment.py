"""Sentiment: train the shipped classifier and score it on held-out parts of every labelled
set, beside two baselines in the same run (majority class; zero-shot similarity to label
prototypes). Macro-F1 is over the classes present in each set's truth.

    python -m evals.sentiment            # score enrichment/models/sentiment.v1
    python -m evals.sentiment --train    # fit on the train parts, write the artifact, score

Embeddings are cached in evals/out/embeddings.db (same keys as Hark's own cache), so only the
first run pays for embedding (~6 minutes on 2 cores).
"""

from __future__ import annotations

import argparse
import collections
import json

import numpy as np

from enrichment.sentiment import LABELS, SentimentModel, fit
from evals.common import embed_texts, embedder, macro_f1
from evals.sentiment_data import load

# Zero-shot baseline: what each class sounds like, in our users' languages.
PROTOTYPES = {
    "negative": [
        "terrible, very bad, I am angry",
        "ужасно, очень плохо",
        "өте нашар",
        "سيء جدا",
        "خیلی بد",
    ],
    "neutral": [
        "it is okay, nothing special",
        "нормально, ничего особенного",
        "жай ғана",
        "عادي",
        "معمولی",
    ],
    "positive": [
        "excellent, I love it, thank you",
        "отлично, спасибо",
        "керемет, рахмет",
        "ممتاز جدا",
        "عالیه",
    ],
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--train", action="store_true")
    parser.add_argument("--max-train", type=int, default=1200)
    parser.add_argument("--max-test", type=int, default=400)
    args = parser.parse_args()
    print(json.dumps(run(train=args.train, max_train=args.max_train, max_test=args.max_test)))


def run(*, train: bool = False, max_train: int = 1200, max_test: int = 400) -> dict[str, object]:
    """Print the table; return it per dataset."""
    examples = load(
        max_train,
        max_test,
        caps={"airline-en": (4000, 1500), "sentirueval-ru": (2500, 1000)},
    )
    vectors = embed_texts([e.text for e in examples])
    in_train = np.array([not e.held_out for e in examples])
    if train:
        w, b = fit(
            vectors[in_train], [e.label for e, t in zip(examples, in_train, strict=True) if t]
        )
        model = SentimentModel("sentiment.v1", embedder().name, w, b)
    else:
        model = SentimentModel.load()
    protos = np.stack(
        [
            np.mean([embedder().embed_query(t) for t in PROTOTYPES[label]], axis=0)
            for label in LABELS
        ]
    )

    report: dict[str, object] = {}
    print(f"{'dataset':16} {'n':>5} {'majority':>9} {'zero-shot':>9} {'hark':>7} {'acc':>6}")
    for name in dict.fromkeys(e.dataset for e in examples):
        idx = [i for i, e in enumerate(examples) if e.dataset == name and e.held_out]
        truth = [examples[i].label for i in idx]
        majority = collections.Counter(
            e.label for e in examples if e.dataset == name and not e.held_out
        ).most_common(1)[0][0]
        zero = [LABELS[int(j)] for j in (vectors[idx] @ protos.T).argmax(1)]
        pred = [label for label, _ in model.predict(vectors[idx], [examples[i].text for i in idx])]
        row = {
            "n": len(idx),
            "majority_f1": macro_f1(truth, [majority] * len(idx)),
            "zero_shot_f1": macro_f1(truth, zero),
            "hark_f1": macro_f1(truth, pred),
            "hark_accuracy": float(np.mean([t == p for t, p in zip(truth, pred, strict=True)])),
        }
        report[name] = {k: round(v, 4) if isinstance(v, float) else v for k, v in row.items()}
        print(
            f"{name:16} {row['n']:5} {row['majority_f1']:9.3f} {row['zero_shot_f1']:9.3f} "
            f"{row['hark_f1']:7.3f} {row['hark_accuracy']:6.3f}"
        )
    if train:
        path = model.save({"held_out": report, "train_rows": int(in_train.sum())})
        print(f"wrote {path}")
    return report


if __name__ == "__main__":
    main()
