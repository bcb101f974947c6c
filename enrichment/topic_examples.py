"""Labelled mentions that refine a taxonomy's topics: users' corrections, promoted clusters.

A topic starts as its prototype (taxonomy.py): a mention has it when its prototype score
(a centred cosine, under scoring 2 without what the topics share) reaches the taxonomy's
threshold. Labelled mentions then move each topic's
decisions in three steps, each switched on per topic by how much evidence it has:

1. **nearest examples** (any labelled mention): a mention that nearly repeats a labelled one
   takes its verdict. A topic's score is raised to at least
   ``threshold + (closest positive - NEAR_POSITIVE)`` and, when a negative is closer than
   every positive, lowered to at most ``threshold - (closest negative - NEAR_NEGATIVE)``
   (centred cosines between passages, at points unrelated pairs seldom reach), so a mention
   that close to a labelled one goes its way whatever the prototype says.
2. **a per-topic classifier** (from ``MIN_CLASSIFIER`` positives and as many negatives): a
   one-vs-rest ridge classifier on the centred vector (targets +-1, classes weighted to
   balance), blended with the prototype by the evidence behind it: a topic's score is
   ``(1 - g) * prototype + g * (threshold + SCALE * classifier)`` with
   ``g = positives / (positives + BLEND * q)``, q the prototype's own quality on the
   labelled mentions (2 AUC - 1, at least 0.05): a topic with few positives stays close to a
   prototype that ranks them well, one with many follows its data, and one whose name says
   little (a project's code name) follows its examples early.
3. **a calibrated threshold** (from ``MIN_CALIBRATE`` positives and negatives): the cut that
   maximises F1 on the leave-one-out scores of the labelled mentions (exact for ridge, no
   refitting), shrunk towards the default by ``CALIBRATE_SHRINK`` positives.

Scores stay on the prototype's scale with each topic's decision point moved to the
taxonomy's threshold, so callers compare every topic with the one threshold as before, and a
topic without examples scores exactly as its prototype. Everything is closed form (one
m-by-m solve per topic): 300 examples and 10 topics fit in milliseconds.

A correction lists every topic that applies to a mention: it is a positive for those and a
negative for every other topic (an empty set: a negative for all). Topics a correction names
that the taxonomy no longer has are ignored.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from enrichment.topic_calibration import MentionRule, best_cut

MIN_CLASSIFIER = 5  # positives (and negatives) before a topic gets its classifier
MIN_CALIBRATE = 20  # positives (and negatives) before its threshold is calibrated
RIDGE = 3.0  # the classifier's L2 penalty (examples are unit vectors)
BLEND = 30.0  # positives at which classifier and a perfect prototype weigh the same
SCALE = 0.2  # cosine points per classifier unit (a +-1 target ~ +-0.2 around the threshold)
# Centred passage cosines at which a labelled mention decides for a neighbour: a positive
# from 0.75, a negative from 0.8 (random pairs of tweets: median 0.35, 99.9th pct 0.70).
# Lower points cost held-out F1 on the airline tweets (crowd labels disagree between
# near neighbours): 0.65 loses 0.05.
NEAR_POSITIVE = 0.75
NEAR_NEGATIVE = 0.8
CALIBRATE_SHRINK = 20.0  # positives worth half the calibrated shift


@dataclass(frozen=True)
class TopicExamples:
    """Mentions a user labelled (or a promoted cluster's members): their passage vectors and
    the topics that apply to each (every topic not listed is a negative for it)."""

    vectors: np.ndarray  # (n, dim) passage vectors of mentions a user labelled
    topics: list[frozenset[str]]  # topic ids that apply to each; empty = none apply
    # Per mention, the vectors of the clauses enrichment reads its topics from ((0, dim) for
    # a one-part text); None: unknown (an older refit), the mention is decided on its whole.
    clauses: list[np.ndarray] | None = None

    def __post_init__(self) -> None:
        if len(np.atleast_2d(self.vectors)) != len(self.topics) and len(self.topics):
            raise ValueError("TopicExamples: one set of topics per vector")
        if self.clauses is not None and len(self.clauses) != len(self.topics):
            raise ValueError("TopicExamples: one set of clause vectors per vector")

    def parts(self) -> list[np.ndarray]:
        """Per mention, its whole vector and then its clauses' (what enrichment scores)."""
        whole = np.atleast_2d(self.vectors)
        if self.clauses is None:
            return [v[None, :] for v in whole]
        dim = whole.shape[1]
        return [
            np.vstack([v[None, :], np.reshape(c, (-1, dim))])
            for v, c in zip(whole, self.clauses, strict=True)
        ]


@dataclass
class TopicHeads:
    """What labelled examples add to a topic model, per topic; built by ``fit``, applied by
    ``adjust``."""

    threshold: float
    stage: list[str]  # per topic: prototype | nearest | classifier | calibrated
    blend: np.ndarray  # (topics,) the classifier's share g (0: prototype only)
    weights: np.ndarray  # (dim, topics) ridge weights; zero where no classifier
    bias: np.ndarray  # (topics,)
    offset: np.ndarray  # (topics,) calibrated cut above the threshold (cosine points)
    examples: np.ndarray  # (m, dim) centred unit vectors
    labels: np.ndarray  # (m, topics) bool
    margin: float | None = None  # the taxonomy's margin (None: no contest kept)
    rule: MentionRule | None = None  # per-topic cuts at the mention level (topic_calibration)

    def adjust(self, centred: np.ndarray, proto: np.ndarray) -> np.ndarray:
        """Scores on the prototype scale whose decision point is ``threshold``."""
        out = self._blend(centred @ self.weights + self.bias, proto) - self.offset
        if self.rule is not None:
            # Before the nearest examples: a near copy of a mention a user said is not about
            # a topic stays without it, whatever the topic's own cut.
            out = out - self.rule.offset
        if len(self.examples):
            out = _nearest(out, centred @ self.examples.T, self.labels, self.threshold)
        return self._keep_competition(out, proto)

    def _keep_competition(self, out: np.ndarray, proto: np.ndarray) -> np.ndarray:
        """A topic without a classifier keeps the contest it had among the prototypes: where
        its prototype score was more than the margin behind the row's best (so ``assign``
        left it out), it stays out unless a labelled neighbour lifted it. Without this, a
        classifier that moves its own topic's scores down hands that topic's rows to the
        unrefined topic next to it (Damaged beside Lost Luggage: 35 -> 142 predicted on the
        airline held-out tweets), and 100 corrections scored below none (evals.topics)."""
        if self.margin is None:
            return out
        behind = proto < proto.max(axis=1, keepdims=True) - self.margin
        held_back = (self.blend == 0)[None, :] & behind & ~(out > proto)
        return np.asarray(np.where(held_back, np.minimum(out, self.threshold - 1e-6), out))

    def _blend(self, raw: np.ndarray, proto: np.ndarray) -> np.ndarray:
        return np.asarray((1 - self.blend) * proto + self.blend * (self.threshold + SCALE * raw))


def _nearest(
    scores: np.ndarray, sims: np.ndarray, labels: np.ndarray, threshold: float
) -> np.ndarray:
    """``scores`` (n, topics) moved by the nearest labelled mentions; ``sims`` (n, m) are
    the centred cosines to them, ``labels`` (m, topics) their topics."""
    pos = np.where(labels[None, :, :], sims[:, :, None], -1.0).max(axis=1, initial=-1.0)
    neg = np.where(~labels[None, :, :], sims[:, :, None], -1.0).max(axis=1, initial=-1.0)
    up = np.maximum(scores, threshold + pos - NEAR_POSITIVE)
    down = np.minimum(up, threshold - (neg - NEAR_NEGATIVE))
    return np.asarray(np.where((neg > pos) & (neg >= NEAR_NEGATIVE), down, up))


def _ridge(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per topic (column of ``y``), a class-balanced ridge classifier with targets +-1, in
    its dual form (m-by-m). Returns weights (dim, topics), bias (topics,) and the
    leave-one-out decision values (m, topics)."""
    m, t = y.shape
    kernel = x @ x.T + 1.0  # the 1: an (also penalised) bias
    target = np.where(y, 1.0, -1.0)
    pos = y.sum(axis=0)
    weights = np.zeros((x.shape[1], t))
    bias = np.zeros(t)
    loo = np.zeros((m, t))
    for j in range(t):
        # Balanced: each class carries half the total weight.
        c = np.where(y[:, j], m / (2.0 * max(pos[j], 1)), m / (2.0 * max(m - pos[j], 1)))
        inv = np.linalg.inv(kernel + np.diag(RIDGE / c))
        beta = inv @ target[:, j]
        weights[:, j] = x.T @ beta
        bias[j] = beta.sum()
        hat = kernel @ inv
        fitted = hat @ target[:, j]
        h = np.clip(np.diag(hat), 0.0, 0.999)
        loo[:, j] = (fitted - h * target[:, j]) / (1.0 - h)
    return weights, bias, loo


def _quality(scores: np.ndarray, y: np.ndarray) -> float:
    """2 AUC - 1 of ``scores`` for ``y`` (ties half), clipped to [0.05, 1]."""
    if y.all() or not y.any():
        return 1.0
    ranks = np.argsort(np.argsort(scores, kind="stable"), kind="stable") + 1.0
    # Average ranks of ties are not needed for a prior's weight; stable order is enough.
    n_pos = float(y.sum())
    auc = (ranks[y].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * (len(y) - n_pos))
    return float(np.clip(2 * auc - 1, 0.05, 1.0))


def stages_for(labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(topics,) bool twice: which topics have enough positives and negatives for a
    classifier, and which for a calibrated cut."""
    pos = labels.sum(axis=0)
    neg = len(labels) - pos
    has_cls = (pos >= MIN_CLASSIFIER) & (neg >= MIN_CLASSIFIER)
    return has_cls, has_cls & (pos >= MIN_CALIBRATE) & (neg >= MIN_CALIBRATE)


def fit(
    examples: np.ndarray,
    proto: np.ndarray,
    labels: np.ndarray,
    threshold: float,
    margin: float | None = None,
    stages: tuple[np.ndarray, np.ndarray] | None = None,
) -> TopicHeads:
    """``examples``: (m, dim) centred unit vectors; ``proto``: their prototype scores
    (m, topics); ``labels``: (m, topics) bool; ``margin``: the taxonomy's; ``stages``:
    which topics get a classifier and which a calibrated cut, when a larger set of labels
    decided it (``stages_for``; calibration's folds are fit as the final model is)."""
    m, t = labels.shape
    d = examples.shape[1]
    pos = labels.sum(axis=0)
    has_cls, has_cal = stages_for(labels) if stages is None else stages
    has_cls = has_cls & (pos > 0) & (pos < m)  # a fold may lack one class of a topic
    has_cal = has_cal & has_cls
    # A prototype that ranks the labelled mentions well keeps its say longer: BLEND is scaled
    # by its quality on them (2 AUC - 1, at least 0.05), so a topic whose name says little
    # (a project's code name) follows its examples from the first few.
    quality = np.array([_quality(proto[:, j], labels[:, j]) for j in range(t)])
    blend = np.where(has_cls, pos / (pos + BLEND * quality), 0.0)
    weights = np.zeros((d, t))
    bias = np.zeros(t)
    offset = np.zeros(t)
    heads = TopicHeads(threshold, [], blend, weights, bias, offset, examples, labels, margin)
    if has_cls.any():
        cols = np.flatnonzero(has_cls)
        w, b, loo = _ridge(examples, labels[:, cols])
        weights[:, cols], bias[cols] = w, b
        if has_cal.any():
            # Each labelled mention scored as if it were not labelled: the classifier's
            # leave-one-out value, and its nearest *other* example.
            raw = np.zeros((m, t))
            raw[:, cols] = loo
            sims = examples @ examples.T
            np.fill_diagonal(sims, -1.0)
            held = _nearest(heads._blend(raw, proto), sims, labels, threshold)
            for c in np.flatnonzero(has_cal):
                cut = best_cut(held[:, c], labels[:, c])[0] - threshold
                offset[c] = cut * pos[c] / (pos[c] + CALIBRATE_SHRINK)
    heads.stage = [
        "calibrated"
        if has_cal[i]
        else "classifier"
        if has_cls[i]
        else "nearest"
        if pos[i]
        else "prototype"
        for i in range(t)
    ]
    return heads
