"""A workspace's own sentiment head over the shipped model, refit from its users' corrections.

The shipped model is trained on other people's data; a workspace's brands, slang and mix of
classes differ. The head adds to the shipped model's class scores a bias (the workspace's
class mix) and a linear correction over the standardised mention vector, both pulled toward
zero (L2), so that 50 corrections shift the priors and a few hundred also learn what this
workspace's negatives look like, while the shipped model still speaks where they are silent.
It is fitted by L-BFGS on the corrections alone (training data for their workspace only).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize
from scipy.stats import binomtest

from enrichment.sentiment import LABELS, ClassScorer, SentimentModel, softmax
from hark.model_versions import with_head

# Pulls of the head toward the shipped model: on the bias (class mix) and on the vector
# weights. Chosen on the learning curves of evals.learning_curve (airline and SentiRuEval,
# each workspace scored on its own held-out part).
BIAS_L2 = 0.05
WEIGHT_L2 = 3.0


@dataclass(frozen=True)
class SentimentLabel:
    """A mention's sentiment with where it came from: "rating" (its stars), "model" (the
    classifier, with its calibrated probabilities) or "correction" (a user said so)."""

    label: str
    score: float
    probs: tuple[float, float, float]
    origin: str
    model: str | None = None

    @classmethod
    def exact(cls, label: str, score: float, origin: str) -> SentimentLabel:
        one_hot = tuple(1.0 if c == label else 0.0 for c in LABELS)
        return cls(label, score, (one_hot[0], one_hot[1], one_hot[2]), origin)

    @classmethod
    def corrected(cls, label: str) -> SentimentLabel:
        return cls.exact(
            label, {"negative": -1.0, "neutral": 0.0, "positive": 1.0}[label], "correction"
        )


@dataclass(frozen=True)
class SentimentHead:
    version: int
    mean: np.ndarray  # (dim,) standardisation of the workspace's vectors
    scale: np.ndarray  # (dim,)
    weights: np.ndarray  # (dim, 3)
    bias: np.ndarray  # (3,)

    def adjust(self, vectors: np.ndarray) -> np.ndarray:
        z = (np.asarray(vectors, np.float32) - self.mean) / self.scale
        return np.asarray(z @ self.weights + self.bias, np.float64)

    def to_bytes(self) -> bytes:
        buf = io.BytesIO()
        np.savez_compressed(
            buf, mean=self.mean, scale=self.scale, weights=self.weights, bias=self.bias
        )
        return buf.getvalue()

    @classmethod
    def from_bytes(cls, version: int, body: bytes) -> SentimentHead:
        with np.load(io.BytesIO(body)) as a:
            return cls(version, a["mean"], a["scale"], a["weights"], a["bias"])


def fit_head(
    base_logits: np.ndarray,
    vectors: np.ndarray,
    labels: Sequence[str],
    *,
    version: int,
    background: np.ndarray | None = None,
    bias_l2: float = BIAS_L2,
    weight_l2: float = WEIGHT_L2,
) -> SentimentHead:
    """Fit a head on corrected mentions: their shipped-model class scores, vectors and the
    labels users gave. ``background``: more of the workspace's vectors, for a steadier
    standardisation than the corrections alone give."""
    x = np.asarray(vectors, np.float64)
    pool = x if background is None or not len(background) else np.asarray(background, np.float64)
    mean, scale = pool.mean(axis=0), pool.std(axis=0) + 1e-3
    z = (x - mean) / scale
    n, dim = z.shape
    y = np.array([LABELS.index(v) for v in labels])
    onehot = np.eye(len(LABELS))[y]
    base = np.asarray(base_logits, np.float64)
    k = len(LABELS)

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        w = theta[: dim * k].reshape(dim, k)
        b = theta[dim * k :]
        p = softmax(base + z @ w + b)
        ce = -np.sum(onehot * np.log(np.maximum(p, 1e-12))) / n
        g = (p - onehot) / n
        # The weight penalty scales with 1/n: a few corrections barely move the vector
        # weights; the bias (the workspace's class mix) moves first.
        value = ce + weight_l2 / n * np.sum(w * w) + bias_l2 * np.sum(b * b)
        grad_w = z.T @ g + 2 * weight_l2 / n * w
        grad_b = g.sum(axis=0) + 2 * bias_l2 * b
        return float(value), np.concatenate([grad_w.ravel(), grad_b])

    result = minimize(
        loss, np.zeros(dim * k + k), jac=True, method="L-BFGS-B", options={"maxiter": 300}
    )
    theta = result.x
    return SentimentHead(
        version,
        mean.astype(np.float32),
        scale.astype(np.float32),
        theta[: dim * k].reshape(dim, k).astype(np.float32),
        theta[dim * k :].astype(np.float32),
    )


@dataclass(frozen=True)
class CrossValidation:
    """What a refit buys, measured on corrections the head did not see (``FOLDS``-fold):
    how many of them the shipped model agrees with and how many a head fit on the other
    folds does, and the same on the random audits among them (a sample of the whole
    workspace, where the rest are mostly mentions the model was unsure of)."""

    proba: np.ndarray  # (n, 3): each correction's probabilities from a head fit without it
    shipped_right: int
    head_right: int
    random_audits: int = 0
    audits_shipped_right: int = 0
    audits_head_right: int = 0
    # Audits only one of the two agrees with (McNemar's discordant pairs): the rest say
    # nothing about which is better.
    audits_only_shipped_right: int = 0
    audits_only_head_right: int = 0

    @property
    def corrections(self) -> int:
        return len(self.proba)

    @property
    def before(self) -> float:
        return round(self.shipped_right / self.corrections, 4)

    @property
    def after(self) -> float:
        return round(self.head_right / self.corrections, 4)

    @property
    def audits_judged(self) -> bool:
        return self.random_audits >= MIN_AUDITS_JUDGED

    @property
    def audits_before(self) -> float | None:
        if not self.audits_judged:
            return None
        return round(self.audits_shipped_right / self.random_audits, 4)

    @property
    def audits_after(self) -> float | None:
        if not self.audits_judged:
            return None
        return round(self.audits_head_right / self.random_audits, 4)

    @property
    def worse_on_audits(self) -> bool:
        """Whether the head agrees with significantly fewer of the random audits than the
        shipped model, once they can be judged: McNemar's exact test (the audits only one of
        the two gets right, binomial with p = 1/2), one-sided at ``AUDIT_TEST_LEVEL``. The
        normal approximation rejects up to 12.5 % of the time at this level with few split
        audits."""
        lost, won = self.audits_only_shipped_right, self.audits_only_head_right
        if not self.audits_judged or lost <= won:
            return False
        test = binomtest(lost, lost + won, 0.5, alternative="greater")
        return bool(test.pvalue < AUDIT_TEST_LEVEL)

    @property
    def beats(self) -> bool:
        """Whether the refit head is worth using: it agrees with more of the corrections it
        did not see than the shipped model, and not significantly fewer of the random
        audits once they can be judged. A tie is not enough: where the shipped model was
        trained on data like the workspace's, the first refit of 100 queue picks of airline
        tweets tied on the corrections and made the whole workspace's labels worse
        (accuracy 0.87 -> 0.73-0.77). A win by one correction is about as noisy as a tie;
        it is accepted all the same, because asking for a margin left helpful heads of a new
        customer's first refits off (evals.refit_check), and the audit gate is what catches
        the heads that win on the unsure picks and lose on the rest. That gate asks for a
        significant loss, not any: "no fewer" left 12 of 16 heads of a new customer off,
        each of which raised macro-F1 on the tweets nobody corrected by 0.10-0.15, because
        a sample of 25-200 audits strays by more than such a head's gain in accuracy (up
        to 6.5 points, under one on one seed)."""
        if self.head_right <= self.shipped_right:
            return False
        return not self.worse_on_audits


FOLDS = 5
MIN_CROSS_VALIDATED = 20  # fewer corrections than this give folds too small to say anything
# Below this many random audits one of them moves their agreement by more than 4 points:
# too coarse to overrule the agreement on all the corrections.
MIN_AUDITS_JUDGED = 25
# The audit gate's test: one-sided, 5 %.
AUDIT_TEST_LEVEL = 0.05


def cross_validate(
    base_logits: np.ndarray,
    vectors: np.ndarray,
    labels: Sequence[str],
    background: np.ndarray | None = None,
    audits: Sequence[bool] | np.ndarray | None = None,
) -> CrossValidation | None:
    """Agreement with the corrections of the shipped model and of heads fit on the other
    folds, and those heads' held-out probabilities. The held-out probabilities of random
    audits are what the refit model's counts can be corrected by (analytics.prevalence): the
    refit model itself has seen those audits, so its own probabilities on them would flatter
    it. ``audits`` marks the corrections that were random audit picks (a mask). None below
    ``MIN_CROSS_VALIDATED`` corrections."""
    n = len(labels)
    if n < MIN_CROSS_VALIDATED:
        return None
    base = np.asarray(base_logits, np.float64)
    y = np.array([LABELS.index(v) for v in labels])
    folds = np.arange(n) % FOLDS
    proba = np.empty((n, len(LABELS)))
    for k in range(FOLDS):
        train, test = folds != k, folds == k
        head = fit_head(
            base[train],
            vectors[train],
            [labels[int(i)] for i in np.flatnonzero(train)],
            version=0,
            background=background,
        )
        proba[test] = softmax(base[test] + head.adjust(vectors[test]))
    audited = np.zeros(n, bool) if audits is None else np.asarray(audits, bool)
    shipped_right = base.argmax(1) == y
    head_right = proba.argmax(1) == y
    return CrossValidation(
        proba=proba,
        shipped_right=int(shipped_right.sum()),
        head_right=int(head_right.sum()),
        random_audits=int(audited.sum()),
        audits_shipped_right=int(shipped_right[audited].sum()),
        audits_head_right=int(head_right[audited].sum()),
        audits_only_shipped_right=int((shipped_right & ~head_right)[audited].sum()),
        audits_only_head_right=int((head_right & ~shipped_right)[audited].sum()),
    )


@dataclass(frozen=True)
class Refit:
    head: SentimentHead
    checked: CrossValidation | None  # None: too few corrections to check
    # False: it does not beat the shipped model on held-out folds (CrossValidation.beats):
    # keep it as a version, do not use it.
    active: bool


def refit(
    base_logits: np.ndarray,
    vectors: np.ndarray,
    labels: Sequence[str],
    background: np.ndarray | None = None,
    audits: Sequence[bool] | np.ndarray | None = None,
) -> Refit:
    """A head fit on every correction, with the cross-validated check that decides whether
    it is used (``CrossValidation.beats``). Below ``MIN_CROSS_VALIDATED`` corrections there
    is no check, and the head, which by then mostly shifts the class mix, is used."""
    checked = cross_validate(base_logits, vectors, labels, background, audits)
    # The version number only names the stored row; the head itself does not carry it.
    head = fit_head(base_logits, vectors, labels, version=0, background=background)
    return Refit(head, checked, checked is None or checked.beats)


@dataclass(frozen=True)
class WorkspaceSentiment(ClassScorer):
    """The shipped model with a workspace's head (or none yet): the same calls as
    SentimentModel, so enrichment takes either."""

    base: SentimentModel
    head: SentimentHead | None = None

    @property
    def version(self) -> str:
        if self.head is None:
            return self.base.version
        return with_head(self.base.version, self.head.version)

    @property
    def embedder(self) -> str:
        return self.base.embedder

    def logits(
        self,
        vectors: np.ndarray,
        texts: Sequence[str],
        languages: Sequence[str | None] | None = None,
    ) -> np.ndarray:
        base = np.asarray(self.base.logits(vectors, texts, languages), np.float64)
        return base if self.head is None else base + self.head.adjust(vectors)

    def label(
        self,
        vectors: np.ndarray,
        texts: Sequence[str],
        languages: Sequence[str | None] | None = None,
    ) -> list[SentimentLabel]:
        """Labels with their probabilities and this model's version."""
        p = self.proba(vectors, texts, languages)
        return [
            SentimentLabel(
                label,
                round(score, 4),
                (float(row[0]), float(row[1]), float(row[2])),
                "model",
                self.version,
            )
            for (label, score), row in zip(self.labels(p), p, strict=True)
        ]
