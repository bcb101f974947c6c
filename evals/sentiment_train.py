"""Trainer of the v2 sentiment model (``enrichment.sentiment``) and what its eval needs: rows'
languages as Hark detects them, balanced row weights, the floor, calibration.

One multinomial logistic regression (scikit-learn, lbfgs: deterministic) over
[g * standardised e5 | h * standardised e5 in its language's block | hashed char n-grams],
then vector scaling of its logits fit on a validation part carved from train by a hash of the
text (never on held-out rows), then (``refit``) the same regression on every train row with
that calibration kept.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np
from scipy.optimize import minimize
from sklearn.linear_model import LogisticRegression

from enrichment.sentiment import LABELS, NgramConfig, SentimentModel, ngram_features, softmax
from evals.common import OUT, cache_engine, embedder

# The language each set is written in (KazSAnDRA also holds some Russian rows): the key of
# per-language figures. Training and scoring read the language Hark detects, as in production.
LANGUAGE_OF_SET = {
    "airline-en": "en",
    "sentirueval-ru": "ru",
    "kazsandra-kk": "kk",
    "elsahar-ar": "ar",
    "semeval-ar": "ar",
    "banki-ru": "ru",
    "digikala-fa": "fa",
}
DETECTABLE = ("en", "ru", "kk", "be", "uk", "ar", "fa", "ka")  # Hark's default setting


@dataclass(frozen=True)
class Params:
    ngram: NgramConfig | None = field(default_factory=lambda: NgramConfig(high=5))
    vector_gain: float = 0.03  # e5 block's scale against the l2-normalised n-gram rows
    language_gain: float = 0.03  # per-language e5 blocks (0: none)
    language_min_rows: int = 1000  # a language gets its own block from this many train rows
    c: float = 1.0  # inverse l2 strength, as scikit-learn's C with weights of mean 1
    class_power: float = 0.5  # training weight of a class within its set: count ** -power
    calibration_class_power: float = 0.5  # the same for the calibration fit
    language_calibration: bool = True  # a calibration shift per language with a head
    hidden: int = 0  # units of a ReLU layer over the standardised e5 vector (0: none)
    hidden_alpha: float = 3.0  # its l2 strength times n (scikit-learn MLP's alpha)
    idf: bool = True  # weigh n-gram buckets by inverse document frequency (v3)
    validation_share: float = 0.1
    refit: bool = True
    max_iter: int = 300


def stable_share(key: str) -> float:
    return int(hashlib.sha256(key.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF


def cached_vectors(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Vectors of ``texts`` the eval cache already holds (zeros elsewhere) and a mask of which:
    reads only, never embeds (for experiments while the cache fills)."""
    from hark.documents import content_hash
    from ingestion.normalise import normalise_text
    from store.embeddings import get_vectors

    keys = [content_hash(normalise_text(t), None) for t in texts]
    with cache_engine().connect() as conn:
        found = get_vectors(conn, model=embedder().name, content_hashes=keys)
    out = np.zeros((len(texts), 384), np.float32)
    mask = np.array([k in found for k in keys])
    for i, k in enumerate(keys):
        if k in found:
            out[i] = found[k]
    return out, mask


def detect_languages(texts: Sequence[str]) -> list[str | None]:
    """Each text's language as Hark's detector (default languages) says, cached on disk."""
    from enrichment.language import LanguageDetector

    path = OUT / "sentiment_languages.json"
    known: dict[str, str | None] = (
        json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    )
    keys = [hashlib.sha256(t.encode()).hexdigest()[:20] for t in texts]
    todo = {k: t for k, t in zip(keys, texts, strict=True) if k not in known}
    if todo:
        found = LanguageDetector(list(DETECTABLE)).detect_many(list(todo.values()))
        known.update(zip(todo, found, strict=True))
        OUT.mkdir(exist_ok=True)
        path.write_text(json.dumps(known), encoding="utf-8")
    return [known[k] for k in keys]


def row_weights(datasets: Sequence[str], labels: Sequence[str], class_power: float) -> np.ndarray:
    """Every language weighs the same, every set the same within its language, and a class
    within its set by count ** -class_power (0: as the set has it; 1: balanced); mean 1."""
    sets_of: dict[str, set[str]] = {}
    for d in datasets:
        sets_of.setdefault(LANGUAGE_OF_SET.get(d, d), set()).add(d)
    per_set = Counter(datasets)
    per_class = Counter(zip(datasets, labels, strict=True))
    w = np.empty(len(datasets))
    for i, (d, y) in enumerate(zip(datasets, labels, strict=True)):
        lang = LANGUAGE_OF_SET.get(d, d)
        classes = {c: n for (s, c), n in per_class.items() if s == d}
        # share of the set's weight this class gets, spread over its rows
        mass = {c: n ** (1 - class_power) for c, n in classes.items()}
        share = mass[y] / sum(mass.values()) / per_class[(d, y)]
        w[i] = share / len(sets_of[lang]) / len(sets_of)
    del per_set
    return w / w.mean()


def inverse_document_frequency(texts: Sequence[str], config: NgramConfig) -> np.ndarray:
    """Each hashed bucket's smoothed idf over ``texts``: log((1 + n) / (1 + df)) + 1."""
    x = ngram_features(texts, config)
    df = np.bincount(x.indices, minlength=config.n_features)
    # Rounded as the artifact stores it (float16), so training sees what inference will.
    return (np.log((1 + len(texts)) / (1 + df)) + 1).astype(np.float16).astype(np.float32)


def _language_rows(languages: Sequence[str | None], blocks: Sequence[str]) -> list[np.ndarray]:
    return [np.flatnonzero([code == b for code in languages]) for b in blocks]


def _fit_linear(
    vectors: np.ndarray,
    texts: Sequence[str],
    languages: Sequence[str | None],
    labels: Sequence[str],
    weights: np.ndarray,
    params: Params,
    version: str,
    idf: np.ndarray | None = None,
) -> SentimentModel:
    """Weighted multinomial logistic regression by L-BFGS on [standardised e5 | the same in
    the language's block | n-grams], each block with its own l2 strength: 1 / (c * n * gain**2)
    (the n-grams' gain is 1). Dense blocks stay dense, so an iteration costs milliseconds."""
    mean = vectors.mean(axis=0)
    std = vectors.std(axis=0) + 1e-6
    z = ((np.asarray(vectors, np.float32) - mean) / std).astype(np.float32)
    n, dim = z.shape
    counts = Counter(c for c in languages if c)
    blocks = tuple(c for c in DETECTABLE if counts[c] >= params.language_min_rows)
    if not params.language_gain:
        blocks = ()
    rows = _language_rows(languages, blocks)
    ng = ngram_features(texts, params.ngram, idf) if params.ngram is not None else None
    n_ng = ng.shape[1] if ng is not None else 0
    ng_t = ng.T.tocsr() if ng is not None else None
    y = np.array([LABELS.index(v) for v in labels])
    onehot = np.eye(3, dtype=np.float32)[y]
    w = (weights / weights.sum()).astype(np.float32)[:, None]
    base = 1.0 / (params.c * n)
    l2_vec = base / params.vector_gain**2
    l2_lang = base / params.language_gain**2 if blocks else 0.0
    l2_ng = base
    hid = params.hidden
    l2_hidden = params.hidden_alpha / n
    sizes = [dim * 3, len(blocks) * dim * 3, n_ng * 3, 3, dim * hid, hid, hid * 3]
    cuts = np.cumsum(sizes)[:-1]

    def unpack(theta: np.ndarray) -> tuple[np.ndarray, ...]:
        a, lang, g, b, w1, b1, w2 = np.split(theta.astype(np.float32), cuts)
        return (
            a.reshape(dim, 3),
            lang.reshape(len(blocks), dim, 3),
            g.reshape(n_ng, 3),
            b,
            w1.reshape(dim, hid),
            b1,
            w2.reshape(hid, 3),
        )

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        a, lang, g, b, w1, b1, w2 = unpack(theta)
        logits = z @ a + b
        if hid:
            h = np.maximum(z @ w1 + b1, 0)
            logits += h @ w2
        for k, r in enumerate(rows):
            logits[r] += z[r] @ lang[k]
        if ng is not None:
            logits += np.asarray(ng @ g, np.float32)
        logits -= logits.max(axis=1, keepdims=True)
        logp = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
        value = -float((w * onehot * logp).sum())
        value += 0.5 * (l2_vec * float((a**2).sum()) + l2_lang * float((lang**2).sum()))
        value += 0.5 * l2_ng * float((g**2).sum())
        value += 0.5 * l2_hidden * float((w1**2).sum() + (w2**2).sum())
        grad_logits = (np.exp(logp) - onehot) * w
        if hid:
            d_w2 = h.T @ grad_logits + l2_hidden * w2
            d_h = (grad_logits @ w2.T) * (h > 0)
            d_w1 = z.T @ d_h + l2_hidden * w1
            d_b1 = d_h.sum(axis=0)
        else:
            d_w1, d_b1, d_w2 = w1, b1, w2
        d_a = z.T @ grad_logits + l2_vec * a
        d_lang = np.stack([z[r].T @ grad_logits[r] for r in rows]) if rows else lang
        d_lang = d_lang + l2_lang * lang if rows else d_lang
        d_g = np.asarray(ng_t @ grad_logits, np.float32) + l2_ng * g if ng_t is not None else g
        d_b = grad_logits.sum(axis=0)
        parts = [d_a.ravel(), d_lang.ravel(), d_g.ravel(), d_b, d_w1.ravel(), d_b1, d_w2.ravel()]
        return value, np.concatenate(parts).astype(np.float64)

    start = np.zeros(sum(sizes))
    if hid:  # a fixed random start for the hidden layer (deterministic)
        init = np.random.default_rng(0).normal(0, 1 / np.sqrt(dim), dim * hid)
        start[cuts[3] : cuts[4]] = init
    res = minimize(
        loss,
        start,
        jac=True,
        method="L-BFGS-B",
        options={"maxiter": params.max_iter},
    )
    a, lang, g, b, w1, b1, w2 = unpack(res.x)
    # fold the standardisation into weights on raw vectors: (v - m) / s @ A
    lang_w = lang_b = None
    if blocks:
        lang_w = lang / std[None, :, None]
        lang_b = -np.einsum("d,ldk->lk", mean / std, lang)
    return SentimentModel(
        version,
        embedder().name,
        (a / std[:, None]).astype(np.float32),
        (b - (mean / std) @ a).astype(np.float32),
        ngram=params.ngram,
        ngram_weights=g if ng is not None else None,
        ngram_idf=idf if ng is not None else None,
        languages=blocks,
        language_weights=lang_w,
        language_bias=lang_b,
        hidden_weights=(w1 / std[:, None]).astype(np.float32) if hid else None,
        hidden_bias=(b1 - (mean / std) @ w1).astype(np.float32) if hid else None,
        output_weights=w2.astype(np.float32) if hid else None,
    )


def fit_calibration(
    raw: np.ndarray,
    y: np.ndarray,
    weights: np.ndarray,
    which: np.ndarray | None = None,
    n_languages: int = 0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Vector scaling: per-class scale a and shift b (plus, with ``which``, a shift per
    language index, -1 for none) minimising weighted log loss of softmax(raw * a + b [+ s_l])."""
    w = weights / weights.sum()
    onehot = np.eye(3)[y]
    member = (
        np.eye(n_languages)[np.where(which >= 0, which, 0)] * (which >= 0)[:, None]
        if which is not None and n_languages
        else np.zeros((len(y), 0))
    )
    k = member.shape[1]

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        a, b, s = theta[:3], theta[3:6], theta[6:].reshape(k, 3)
        p = softmax(raw * a + b + member @ s)
        nll = -float(np.sum(w * np.log(p[np.arange(len(y)), y] + 1e-12)))
        g = (p - onehot) * w[:, None]
        # a little l2 on the language shifts: a language with few validation rows stays near 0
        nll += 0.5 * 1e-3 * float((s**2).sum())
        grad = [(g * raw).sum(0), g.sum(0), (member.T @ g + 1e-3 * s).ravel()]
        return nll, np.concatenate(grad)

    res = minimize(loss, np.r_[np.ones(3), np.zeros(3 + 3 * k)], jac=True, method="L-BFGS-B")
    x = res.x.astype(np.float32)
    return x[:3], x[3:6], (x[6:].reshape(k, 3) if k else None)


def train(
    datasets: Sequence[str],
    texts: Sequence[str],
    labels: Sequence[str],
    vectors: np.ndarray,
    languages: Sequence[str | None],
    params: Params = Params(),
    version: str = "sentiment.v3",
) -> SentimentModel:
    """The calibrated model from train rows only (held-out rows never come here)."""
    val = np.array([stable_share("val:" + t) < params.validation_share for t in texts])
    fit_idx, val_idx = np.flatnonzero(~val), np.flatnonzero(val)

    def part(idx: np.ndarray) -> tuple[list[str], list[str], list[str], list[str | None]]:
        return (
            [datasets[i] for i in idx],
            [texts[i] for i in idx],
            [labels[i] for i in idx],
            [languages[i] for i in idx],
        )

    # Document frequencies need no labels: every train text counts, the validation part too.
    idf = (
        inverse_document_frequency(texts, params.ngram)
        if params.ngram is not None and params.idf
        else None
    )
    d, t, y, lang = part(fit_idx)
    model = _fit_linear(
        vectors[fit_idx], t, lang, y, row_weights(d, y, params.class_power), params, version, idf
    )
    d, t, y, lang = part(val_idx)
    raw = model.raw_logits(vectors[val_idx], t, lang)
    index = {code: i for i, code in enumerate(model.languages)}
    which = np.array([index.get(code or "", -1) for code in lang])
    scale, shift, language_shift = fit_calibration(
        raw,
        np.array([LABELS.index(v) for v in y]),
        row_weights(d, y, params.calibration_class_power),
        which if params.language_calibration else None,
        len(model.languages),
    )
    if params.refit:
        model = _fit_linear(
            vectors,
            list(texts),
            list(languages),
            list(labels),
            row_weights(datasets, labels, params.class_power),
            params,
            version,
            idf,
        )
    return replace(model, scale=scale, shift=shift, language_shift=language_shift)


def floor_predictions(
    train_vectors: np.ndarray, train_labels: Sequence[str], test_vectors: np.ndarray
) -> list[str]:
    """The floor: logistic regression on the frozen, standardised e5 vectors, trained on the
    set's own train part (class-balanced)."""
    mean, std = train_vectors.mean(axis=0), train_vectors.std(axis=0) + 1e-6
    lr = LogisticRegression(C=1.0, max_iter=2000, class_weight="balanced")
    lr.fit((train_vectors - mean) / std, list(train_labels))
    return list(lr.predict((test_vectors - mean) / std))
