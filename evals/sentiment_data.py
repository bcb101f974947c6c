"""Labelled sentiment sets from ../shared/data, split into train and held-out parts.

Labels here are truth for training and scoring the classifier; none of this is read by
ingestion or analysis. Splits are deterministic: the dataset's own split where it has one
(SentiRuEval), else a hash of the row's id or text, so a row never moves between parts.
Texts of banki.ru and Digikala are read from ../shared only, never copied.
"""

from __future__ import annotations

import csv
import hashlib
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
LABELS = ("negative", "neutral", "positive")


@dataclass(frozen=True)
class Example:
    dataset: str
    text: str
    label: str
    held_out: bool


def _held_out(key: str, share: float = 0.2) -> bool:
    return int(hashlib.sha256(key.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF < share


def _rows(rel: str) -> Iterator[dict[str, str]]:
    with (DATA / rel).open(encoding="utf-8", newline="") as fh:
        yield from csv.DictReader(fh)


def _stars(value: float, low: float, high: float) -> str:
    """Stars as sentiment: the bottom two fifths negative, the middle neutral, the rest positive
    (1–2 / 3 / 4–5 on a 1–5 scale)."""
    share = (value - low) / (high - low)
    return "negative" if share < 0.4 else "neutral" if share < 0.6 else "positive"


def airline() -> Iterator[Example]:
    for r in _rows("twitter-us-airline-sentiment/tweets.csv"):
        yield Example("airline-en", r["text"], r["airline_sentiment"], _held_out(r["tweet_id"]))


SENTIRUEVAL_POLARITY = {"-1": "negative", "0": "neutral", "1": "positive"}


def sentirueval_rows() -> Iterator[tuple[dict[str, str], dict[str, str]]]:
    """Every SentiRuEval bank and telecom tweet (both splits) with the annotators' sentiment
    for each brand it is about."""
    for rel, brands in (
        ("sentirueval-ru-brand-tweets/banks.csv", 8),
        ("sentirueval-ru-brand-tweets/telecom.csv", 7),
    ):
        for r in _rows(rel):
            judged = list(r.items())[6 : 6 + brands]
            yield r, {k: SENTIRUEVAL_POLARITY[v] for k, v in judged if v in SENTIRUEVAL_POLARITY}


def sentirueval() -> Iterator[Example]:
    for r, judged in sentirueval_rows():
        values = set(judged.values())
        if len(values) == 1:  # one sentiment for every brand it names
            yield Example("sentirueval-ru", r["text"], values.pop(), r["split"] != "train")


def kazsandra() -> Iterator[Example]:
    for r in _rows("kazsandra-kk-reviews/reviews.csv"):
        yield Example(
            "kazsandra-kk", r["text"], _stars(int(r["label"]), 0, 4), _held_out(r["custom_id"])
        )


def elsahar() -> Iterator[Example]:
    for r in _rows("elsahar-ar-restaurant-reviews/reviews.csv"):
        label = "positive" if r["polarity"] == "1" else "negative"
        yield Example("elsahar-ar", r["text"], label, _held_out(r["text"]))


def semeval() -> Iterator[Example]:
    for r in _rows("semeval16-ar-hotel-aspects/sentences.csv"):
        polarities = {o["polarity"] for o in json.loads(r["opinions_json"] or "[]")}
        if len(polarities) == 1 and polarities <= set(LABELS):
            yield Example("semeval-ar", r["text"], polarities.pop(), _held_out(r["sentence_id"]))


def banki() -> Iterator[Example]:
    for r in _rows("banki-ru-domrf-reviews/reviews.csv"):
        yield Example(
            "banki-ru",
            f"{r['Review Title']}\n{r['Review Text']}",
            _stars(float(r["Rating"]), 1, 5),
            _held_out(r["ID"]),
        )


def digikala() -> Iterator[Example]:
    for r in _rows("digikala-fa-phone-reviews/reviews.csv"):
        if r["rating"] != "0":  # 0 = no stars given
            yield Example(
                "digikala-fa",
                r["comment_text"],
                _stars(float(r["rating"]), 1, 5),
                _held_out(r["comment_id"]),
            )


SETS = (airline, sentirueval, kazsandra, elsahar, semeval, banki, digikala)


def load(
    max_train: int, max_test: int, seed: int = 13, caps: dict[str, tuple[int, int]] | None = None
) -> list[Example]:
    """Every set, capped per set and part (embedding is the slow step on a CPU); ``caps``
    overrides the caps of a set by its dataset name."""
    rng = random.Random(seed)
    out: list[Example] = []
    for make in SETS:
        examples = [e for e in make() if e.text.strip()]
        rng.shuffle(examples)
        n_train, n_test = (caps or {}).get(examples[0].dataset, (max_train, max_test))
        train = [e for e in examples if not e.held_out][:n_train]
        test = [e for e in examples if e.held_out][:n_test]
        out += train + test
    return out
