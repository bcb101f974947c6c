"""How a mention's topics are decided, calibrated on a workspace's corrections.

Enrichment gives a mention a topic when its whole text or one of its clauses (its "parts")
scores the topic at the threshold *and* within the taxonomy's margin of that part's best
topic: the contest, one topic per clause, right for a taxonomy of mutually exclusive reasons
(a complaint is about lost luggage or about a late flight). A taxonomy of aspects is the
other kind: a restaurant review speaks of the food and the service and the price, and a
name-only prototype scores each category on a scale of its own. Russian restaurant reviews
name 3 to 5 of the 5 categories each, and the contest finds one or two (presence macro-F1
0.23 where marking every category present scores 0.90; evals.aspects).

A workspace's corrections say which kind its taxonomy is and where each topic's cut lies:

1. each corrected mention is scored, part by part, by a model fit without it (``FOLDS``
   folds), so its scores are what an unlabelled mention like it would get;
2. rule "contest": the parts' topics as enrichment assigns them (``kept``);
   rule "per topic": a topic with ``MIN_POSITIVES`` positives is present when its best part
   reaches the topic's own cut, the one that maximises F1 on the other folds' mentions
   (shrunk towards the threshold by ``SHRINK`` positives), or everywhere it scores when
   fewer than ``MIN_NEGATIVES`` corrected mentions lack it; rarer topics keep the contest;
3. the per-topic rule replaces the contest only where the corrections show mentions of
   several topics (``MIN_MULTI`` of them name two or more) and its held-out macro-F1 is
   higher by ``MIN_GAIN``; the cuts used are then chosen on every corrected mention.
   Where each mention has one topic the contest is right by design, and on 100 corrections
   of airline complaints the per-topic rule's held-out gain was noise: it won in 2 of 5
   draws and cost 0.02 on the held-out tweets in both (evals.topics).

Cuts are applied as offsets on the topics' scores, so the one threshold still decides.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

FOLDS = 5
MIN_MENTIONS = 20  # corrected mentions before the rule is calibrated at all
MIN_POSITIVES = 5  # a topic's positives before it gets its own cut
MIN_NEGATIVES = 5  # ... and negatives before that cut lies between them
SHRINK = 3.0  # positives worth half the calibrated shift
# Held-out macro-F1 the per-topic rule must gain to replace the contest: a taxonomy of
# exclusive reasons stays as it was unless its corrections clearly say otherwise.
MIN_GAIN = 0.02
MIN_MULTI = 0.25  # share of corrected mentions with two or more topics
# The offset of a topic present wherever it has a score (scores are cosines, moved by at
# most a few tenths by the classifier heads, so a shift of 2 keeps every one).
ALWAYS = 2.0


@dataclass(frozen=True)
class MentionRule:
    """How a topic model decides a mention's topics, from its corrections."""

    offset: np.ndarray  # (topics,) subtracted from every part's score
    contested: np.ndarray  # (topics,) bool: the topic must be within the margin of the best
    f1_contest: float  # held-out macro-F1 of the corrections under the contest
    f1_per_topic: float  # ... and under per-topic cuts (cuts chosen on the other folds)

    @property
    def per_topic(self) -> bool:
        return not bool(self.contested.all())


def kept(
    scores: np.ndarray,
    threshold: float,
    margin: float,
    contested: np.ndarray | None = None,
    offset: np.ndarray | None = None,
) -> np.ndarray:
    """(n, topics) bool: the topics each row (a text or a clause) is about: at or above the
    threshold and, for a contested topic, within ``margin`` of the row's best. ``offset``:
    the cuts already subtracted from ``scores``; the contest is held on the scores before
    them, as calibration held it (a topic's own cut must not push a contested one out)."""
    scores = np.atleast_2d(scores)
    raw = scores if offset is None else scores + offset
    best = raw.max(axis=1, keepdims=True, initial=-1.0)
    near = raw >= best - margin
    if contested is not None:
        near = near | ~contested[None, :]
    return np.asarray((scores >= threshold) & near)


def best_cut(stat: np.ndarray, y: np.ndarray) -> tuple[float, bool]:
    """The cut on ``stat`` with the best F1 for ``y``, midway between neighbouring values,
    and whether it keeps every row (then the cut is the lowest value)."""
    order = np.argsort(-stat)
    s, t = stat[order], y[order]
    f1 = 2 * np.cumsum(t) / (np.arange(1, len(t) + 1) + t.sum())
    i = int(np.argmax(f1))
    if i + 1 < len(s):
        return float((s[i] + s[i + 1]) / 2), False
    return float(s[i]), True


def _own_cut(stat: np.ndarray, y: np.ndarray) -> float | None:
    """A topic's cut at the mention level; None (present wherever it scores) where the best
    cut keeps every corrected mention or fewer than ``MIN_NEGATIVES`` are negatives (nothing
    says where a negative lies): a category nine reviews in ten name gains nothing from a
    cut that one or two corrected reviews placed (Russian restaurants, 50 corrected: food
    0.97 with such a cut, 0.99 without)."""
    cut, keeps_all = best_cut(stat, y)
    return None if keeps_all or (~y).sum() < MIN_NEGATIVES else cut


def _macro_f1(pred: np.ndarray, y: np.ndarray) -> float:
    tp = (pred & y).sum(axis=0)
    denom = pred.sum(axis=0) + y.sum(axis=0)
    return float(np.mean(np.where(denom > 0, 2 * tp / np.maximum(denom, 1), 0.0)))


def _own(labels: np.ndarray) -> np.ndarray:
    """(topics,) bool: the topics with enough positives for a cut of their own."""
    return np.asarray(labels.sum(axis=0) >= MIN_POSITIVES)


def _offsets(stat: np.ndarray, y: np.ndarray, threshold: float) -> np.ndarray:
    """(topics,) the shift that puts each own topic's cut at the threshold, shrunk towards
    none by ``SHRINK`` positives (a topic present wherever it scores: ``ALWAYS``)."""
    pos = y.sum(axis=0)
    out = np.zeros(y.shape[1])
    for j in np.flatnonzero(_own(y)):
        cut = _own_cut(stat[:, j], y[:, j])
        out[j] = -ALWAYS if cut is None else (cut - threshold) * pos[j] / (pos[j] + SHRINK)
    return out


def calibrate(
    fitted: Callable[[np.ndarray], Callable[[np.ndarray], np.ndarray]],
    parts: Sequence[np.ndarray],
    labels: np.ndarray,
    threshold: float,
    margin: float,
) -> MentionRule | None:
    """``fitted(rows)``: a scorer (vectors -> (n, topics) scores) of the model fit on those
    corrected mentions only (each topic at the stage the full set gives it, so fold and
    final models are the same kind); ``parts``: each corrected mention's part vectors (its
    whole text first); ``labels``: (m, topics) bool. None with fewer than ``MIN_MENTIONS``."""
    m, t = labels.shape
    if m < MIN_MENTIONS:
        return None
    fold = np.arange(m) % FOLDS
    # Best held-out score of each topic over a mention's parts, and the contest's verdict.
    stat = np.zeros((m, t))
    contest = np.zeros((m, t), dtype=bool)
    for f in range(FOLDS):
        score = fitted(np.flatnonzero(fold != f))
        for i in np.flatnonzero(fold == f):
            s = score(parts[int(i)])
            stat[i] = s.max(axis=0)
            contest[i] = kept(s, threshold, margin).any(axis=0)
    per_topic = np.zeros((m, t), dtype=bool)
    for f in range(FOLDS):
        rest, here = fold != f, fold == f
        # Rows of this fold under the rule chosen without them; a topic without its own cut
        # there keeps the contest's verdict.
        offset, own = _offsets(stat[rest], labels[rest], threshold), _own(labels[rest])
        per_topic[here] = np.where(own, stat[here] - offset >= threshold, contest[here])
    f1_contest, f1_per_topic = _macro_f1(contest, labels), _macro_f1(per_topic, labels)
    several = float(np.mean(labels.sum(axis=1) >= 2))
    if several < MIN_MULTI or f1_per_topic < f1_contest + MIN_GAIN:
        return MentionRule(np.zeros(t), np.ones(t, dtype=bool), f1_contest, f1_per_topic)
    offset = _offsets(stat, labels, threshold)
    return MentionRule(offset, ~_own(labels), f1_contest, f1_per_topic)
