"""Sentiment of a mention: from its rating where it has one (by the rating's own scale), else
a classifier shipped as a small versioned artifact (trained by
``python -m evals.sentiment --train``).

v3 (the default, ``CURRENT``) is one multinomial logistic model over three blocks of features,
trained on every train row of the shared labelled sets (seven sets, five languages), balanced
across languages and sets:

- the standardised e5 passage vector (shared by every language);
- the same vector once more in the block of the mention's language: a per-language head added
  to the shared one (a language without a head, or None, uses the shared head alone);
- hashed character n-grams of the text (``char_wb`` 1-5 grams into 2**17 buckets, log counts
  times each bucket's inverse document frequency in the training texts, l2-normalised):
  deterministic, no vocabulary, nothing to download.

Its logits are calibrated by vector scaling (a per-class scale and shift, plus a shift per
language with a head) fit on rows the producing model never saw, so ``proba`` gives
probabilities whose sums estimate counts; ``prevalence_error`` says how far such sums stray on a
new customer's data (measured leave-one-dataset-out). The format also carries an optional ReLU
layer over the vector (tried, not shipped: it overfit). v2 (1-4-grams, no idf) and v1 (a
linear head over the raw vector) stay loadable.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from hark.text import HANDLE_PATTERN, URL_PATTERN, fold

MODELS = Path(__file__).parent / "models"
LABELS = ("negative", "neutral", "positive")
CURRENT = "sentiment.v3"

# Links and @handles say who, not how; digits say which (order numbers, flight numbers).
_NOISE = re.compile(rf"{URL_PATTERN}|(?<!\w){HANDLE_PATTERN}", re.IGNORECASE)
_DIGITS = re.compile(r"\d")
# Arabic and Persian write yeh and kaf with different code points for one letter.
_LETTERS = str.maketrans({"ي": "ی", "ى": "ی", "ك": "ک", "ة": "ه"})


@dataclass(frozen=True)
class NgramConfig:
    """How texts become hashed character n-grams (part of the artifact: changing any of these
    changes the features the weights were trained on)."""

    low: int = 1
    high: int = 4
    n_features: int = 2**17
    words: int = 0  # also word 1..words-grams, hashed into the same buckets (0: none)


@cache
def _hasher(config: NgramConfig, words: bool = False) -> Any:
    from sklearn.feature_extraction.text import HashingVectorizer

    return HashingVectorizer(
        analyzer="word" if words else "char_wb",
        ngram_range=(1, config.words) if words else (config.low, config.high),
        n_features=config.n_features,
        alternate_sign=False,
        norm=None,
        lowercase=False,
        token_pattern=r"(?u)\b\w+\b",  # noqa: S106 (a regex, not a secret)
        dtype=np.float32,
    )


def clean_text(text: str) -> str:
    """The form n-grams are read from: no links or handles, folded (NFKC, casefold, no
    harakat), one yeh and kaf for Arabic and Persian, digits as 0, spaces collapsed."""
    text = _NOISE.sub(" ", text)
    text = _DIGITS.sub("0", fold(text).translate(_LETTERS))
    return " ".join(text.split())


def ngram_features(
    texts: Sequence[str], config: NgramConfig, idf: np.ndarray | None = None
) -> sp.csr_matrix:
    """(n, n_features) sparse: log(1 + count) of each hashed n-gram, times its bucket's
    inverse document frequency in the training texts when ``idf`` is given, rows
    l2-normalised."""
    clean = [clean_text(t) for t in texts]
    x = _hasher(config).transform(clean).tocsr()
    if config.words:
        x = (x + _hasher(config, words=True).transform(clean)).tocsr()
    x.data = np.log1p(x.data)
    if idf is not None:
        x.data *= np.asarray(idf, np.float32)[x.indices]
    norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sp.csr_matrix(sp.diags(1.0 / norms) @ x, dtype=np.float32)


class ClassScorer:
    """Probabilities and labels of any model that gives class scores (``logits``): the
    shipped model, or it with a workspace's head."""

    def logits(
        self,
        vectors: np.ndarray,
        texts: Sequence[str],
        languages: Sequence[str | None] | None = None,
    ) -> np.ndarray:
        raise NotImplementedError

    def proba(
        self,
        vectors: np.ndarray,
        texts: Sequence[str],
        languages: Sequence[str | None] | None = None,
    ) -> np.ndarray:
        """(n, 3) calibrated probabilities in LABELS order."""
        return softmax(self.logits(vectors, texts, languages))

    def predict(
        self,
        vectors: np.ndarray,
        texts: Sequence[str],
        languages: Sequence[str | None] | None = None,
    ) -> list[tuple[str, float]]:
        """(label, score in [-1, 1]: P(positive) - P(negative)) per mention."""
        return self.labels(self.proba(vectors, texts, languages))

    @staticmethod
    def labels(p: np.ndarray) -> list[tuple[str, float]]:
        """(label, score) per row of class probabilities."""
        return [
            (LABELS[int(i)], float(row[2] - row[0])) for i, row in zip(p.argmax(1), p, strict=True)
        ]


@dataclass(frozen=True)
class SentimentModel(ClassScorer):
    version: str
    embedder: str
    weights: np.ndarray  # (dim, 3), applied to raw vectors (any standardisation folded in)
    bias: np.ndarray  # (3,)
    # v2: hashed character n-grams (None: vector only, as v1)
    ngram: NgramConfig | None = None
    ngram_weights: np.ndarray | None = None  # (n_features, 3)
    # v3: each bucket's log inverse document frequency in the training texts (None: all 1)
    ngram_idf: np.ndarray | None = None  # (n_features,)
    # v2: per-language heads added to the shared one, on raw vectors
    languages: tuple[str, ...] = ()
    language_weights: np.ndarray | None = None  # (len(languages), dim, 3)
    language_bias: np.ndarray | None = None  # (len(languages), 3)
    # v2: a small ReLU layer over the raw vector (standardisation folded in)
    hidden_weights: np.ndarray | None = None  # (dim, hidden)
    hidden_bias: np.ndarray | None = None  # (hidden,)
    output_weights: np.ndarray | None = None  # (hidden, 3)
    # calibration (vector scaling): calibrated logits = raw logits * scale + shift
    scale: np.ndarray = field(default_factory=lambda: np.ones(3, np.float32))
    shift: np.ndarray = field(default_factory=lambda: np.zeros(3, np.float32))
    language_shift: np.ndarray | None = None  # (len(languages), 3), added after scaling
    evaluation: dict[str, Any] = field(default_factory=dict, compare=False)

    def raw_logits(
        self,
        vectors: np.ndarray,
        texts: Sequence[str],
        languages: Sequence[str | None] | None = None,
    ) -> np.ndarray:
        """(n, 3) uncalibrated class scores."""
        x = np.asarray(vectors, np.float32)
        out = x @ self.weights.astype(np.float32) + self.bias.astype(np.float32)
        if self.hidden_weights is not None and self.output_weights is not None:
            h = x @ self.hidden_weights.astype(np.float32)
            if self.hidden_bias is not None:
                h += self.hidden_bias.astype(np.float32)
            out += np.maximum(h, 0) @ self.output_weights.astype(np.float32)
        if self.ngram is not None and self.ngram_weights is not None and len(texts):
            x_ng = ngram_features(texts, self.ngram, self.ngram_idf)
            out += np.asarray(x_ng @ self.ngram_weights, np.float32)
        if languages is not None and self.languages and self.language_weights is not None:
            index = {code: i for i, code in enumerate(self.languages)}
            which = np.array([index.get(code or "", -1) for code in languages])
            for i in np.unique(which[which >= 0]):
                rows = which == i
                out[rows] += x[rows] @ self.language_weights[i].astype(np.float32)
                if self.language_bias is not None:
                    out[rows] += self.language_bias[i].astype(np.float32)
        return out

    def logits(
        self,
        vectors: np.ndarray,
        texts: Sequence[str],
        languages: Sequence[str | None] | None = None,
    ) -> np.ndarray:
        """(n, 3) calibrated class scores of mentions given by their vectors, texts (as
        embedded: "title\\ntext") and languages (ISO 639-1 or None); softmax of them is
        ``proba``."""
        raw = self.raw_logits(vectors, texts, languages)
        out = raw * self.scale.astype(np.float32) + self.shift.astype(np.float32)
        if languages is not None and self.language_shift is not None:
            index = {code: i for i, code in enumerate(self.languages)}
            which = np.array([index.get(code or "", -1) for code in languages])
            known = which >= 0
            out[known] += self.language_shift[which[known]].astype(np.float32)
        return out

    def prevalence_error(self, language: str | None = None) -> dict[str, float]:
        """Relative standard deviation of a class's probabilistic count (the sum of its
        calibrated probabilities over a group of ~200 mentions) against the true count, as
        measured on datasets the model never saw: the language's own figures where the
        evaluation has them, else the default. Empty when the artifact has none."""
        block = self.evaluation.get("prevalence_error") or {}
        by_language = block.get("by_language") or {}
        chosen = by_language.get(language) if language else None
        return {k: float(v) for k, v in (chosen or block.get("default") or {}).items()}

    def save(self, report: dict[str, Any], directory: Path = MODELS) -> Path:
        directory.mkdir(exist_ok=True)
        arrays: dict[str, np.ndarray] = {
            "weights": self.weights.astype(np.float32),
            "bias": self.bias.astype(np.float32),
            "scale": self.scale.astype(np.float32),
            "shift": self.shift.astype(np.float32),
        }
        if self.ngram_weights is not None:
            arrays["ngram_weights"] = self.ngram_weights.astype(np.float16)
        if self.language_weights is not None:
            arrays["language_weights"] = self.language_weights.astype(np.float16)
        if self.language_bias is not None:
            arrays["language_bias"] = self.language_bias.astype(np.float32)
        for name in ("hidden_weights", "hidden_bias", "output_weights", "language_shift"):
            if (value := getattr(self, name)) is not None:
                arrays[name] = value.astype(np.float32)
        if self.ngram_idf is not None:
            arrays["ngram_idf"] = self.ngram_idf.astype(np.float16)
        np.savez_compressed(directory / f"{self.version}.npz", **arrays)  # type: ignore[arg-type]
        meta = {
            "version": self.version,
            "embedder": self.embedder,
            "labels": LABELS,
            "ngram": None if self.ngram is None else vars(self.ngram),
            "languages": list(self.languages),
            "evaluation": report,
        }
        (directory / f"{self.version}.json").write_text(
            json.dumps(meta, indent=2, ensure_ascii=False), encoding="utf-8"
        )
        return directory / f"{self.version}.npz"

    @classmethod
    def load(cls, version: str = CURRENT, directory: Path = MODELS) -> SentimentModel:
        meta = json.loads((directory / f"{version}.json").read_text(encoding="utf-8"))
        with np.load(directory / f"{version}.npz") as npz:
            arrays = {k: npz[k] for k in npz.files}
        ngram = meta.get("ngram")
        return cls(
            meta["version"],
            meta["embedder"],
            arrays["weights"].astype(np.float32),
            arrays["bias"].astype(np.float32),
            ngram=NgramConfig(**ngram) if ngram else None,
            ngram_weights=_f32(arrays.get("ngram_weights")),
            ngram_idf=_f32(arrays.get("ngram_idf")),
            languages=tuple(meta.get("languages") or ()),
            language_weights=_f32(arrays.get("language_weights")),
            language_bias=_f32(arrays.get("language_bias")),
            hidden_weights=_f32(arrays.get("hidden_weights")),
            hidden_bias=_f32(arrays.get("hidden_bias")),
            output_weights=_f32(arrays.get("output_weights")),
            language_shift=_f32(arrays.get("language_shift")),
            scale=arrays.get("scale", np.ones(3, np.float32)).astype(np.float32),
            shift=arrays.get("shift", np.zeros(3, np.float32)).astype(np.float32),
            evaluation=meta.get("evaluation") or {},
        )


def _f32(a: np.ndarray | None) -> np.ndarray | None:
    return None if a is None else a.astype(np.float32)


def softmax(logits: np.ndarray) -> np.ndarray:
    z = np.asarray(logits, np.float64)
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def fit(
    vectors: np.ndarray, labels: list[str], *, l2: float = 1e-2, epochs: int = 500, lr: float = 0.5
) -> tuple[np.ndarray, np.ndarray]:
    """Multinomial logistic regression, class-balanced, full-batch gradient descent (v1's
    trainer; v2's is ``evals.sentiment_train``).

    e5 vectors crowd into a narrow cone (cosines of unrelated texts near 0.8), so features are
    standardised first (held-out macro-F1 on airline tweets 0.43 -> 0.61); the scaling is
    folded back into the returned weights, which then apply to raw vectors."""
    raw = np.asarray(vectors, np.float32)
    mean, scale = raw.mean(axis=0), raw.std(axis=0) + 1e-6
    x = (raw - mean) / scale
    y = np.array([LABELS.index(v) for v in labels])
    onehot = np.eye(len(LABELS), dtype=np.float32)[y]
    counts = np.bincount(y, minlength=len(LABELS)).astype(np.float32)
    weight = (len(y) / (len(LABELS) * np.maximum(counts, 1)))[y][:, None]
    w = np.zeros((x.shape[1], len(LABELS)), np.float32)
    b = np.zeros(len(LABELS), np.float32)
    for _ in range(epochs):
        logits = x @ w + b
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(axis=1, keepdims=True)
        grad = (p - onehot) * weight / len(y)
        w -= lr * (x.T @ grad + l2 * w)
        b -= lr * grad.sum(axis=0)
    return w / scale[:, None], b - (mean / scale) @ w


def from_rating(rating: float, low: float, high: float) -> tuple[str, float]:
    """A rating on its own scale: bottom two fifths negative, middle neutral, top positive."""
    share = (rating - low) / (high - low)
    label = "negative" if share < 0.4 else "neutral" if share < 0.6 else "positive"
    return label, round(2 * share - 1, 4)
