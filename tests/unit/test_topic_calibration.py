"""How a mention's topics are decided, calibrated on corrections (enrichment/topic_calibration.py):
per-topic cuts replace the one-topic-per-clause contest where the corrections name several
topics per mention that the contest cannot find, and the contest stays where it was right."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from enrichment.topic_calibration import MIN_MENTIONS, calibrate, kept

THRESHOLD, MARGIN = 0.225, 0.02


def _as_scores(rows: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    """A "model" whose part vectors are their own topic scores (whatever it was fit on)."""
    return lambda parts: parts


def test_aspects_named_together_get_their_own_cuts() -> None:
    """Reviews name most of three aspects, and their parts score the aspects they name at
    0.1-0.2: below the threshold, so the contest finds nothing; the corrections move each
    aspect's cut below its positives and drop the contest."""
    rng = np.random.default_rng(0)
    m = 60
    labels = rng.random((m, 3)) < 0.7
    parts = []
    for y in labels:
        whole = np.where(y, 0.15, 0.0) + rng.normal(0, 0.02, 3)
        clause = np.where(y, 0.12, -0.05) + rng.normal(0, 0.02, 3)
        parts.append(np.vstack([whole, clause]))
    rule = calibrate(_as_scores, parts, labels, THRESHOLD, MARGIN)
    assert rule is not None and rule.per_topic
    assert not rule.contested.any()
    assert rule.f1_contest == 0.0 and rule.f1_per_topic > 0.9
    # Each cut now lies between the aspect's negatives and positives.
    assert np.all(rule.offset < -0.1) and np.all(rule.offset > -0.2)
    stat = np.stack([p.max(axis=0) for p in parts])
    found = kept(stat - rule.offset, THRESHOLD, MARGIN, rule.contested)
    assert (found == labels).mean() > 0.95


@pytest.mark.parametrize(
    ("on", "off", "noise"),
    [
        # The contest already finds each mention's one reason.
        (0.4, 0.3, 0.005),
        # Scored below the threshold: per-topic cuts would find them, but the contest is right
        # by design for exclusive topics (their whole-text cuts calibrate in topic_examples).
        (0.15, 0.0, 0.02),
    ],
)
def test_one_topic_per_mention_keeps_the_contest(on: float, off: float, noise: float) -> None:
    rng = np.random.default_rng(1)
    m = 60
    labels = np.eye(3, dtype=bool)[rng.integers(0, 3, m)]
    parts = [(np.where(y, on, off) + rng.normal(0, noise, 3))[None, :] for y in labels]
    rule = calibrate(_as_scores, parts, labels, THRESHOLD, MARGIN)
    assert rule is not None and not rule.per_topic
    assert not rule.offset.any()


def test_a_topic_with_few_positives_keeps_the_contest() -> None:
    rng = np.random.default_rng(2)
    m = 60
    labels = rng.random((m, 3)) < 0.7
    labels[:, 2] = False
    labels[:2, 2] = True  # two positives: too few for a cut of its own
    parts = [(np.where(y, 0.15, 0.0) + rng.normal(0, 0.02, 3))[None, :] for y in labels]
    rule = calibrate(_as_scores, parts, labels, THRESHOLD, MARGIN)
    assert rule is not None and rule.per_topic
    assert rule.contested.tolist() == [False, False, True]
    assert rule.offset[2] == 0.0


def test_too_few_corrections_change_nothing() -> None:
    labels = np.ones((MIN_MENTIONS - 1, 2), dtype=bool)
    parts = [np.full((1, 2), 0.1)] * len(labels)
    assert calibrate(_as_scores, parts, labels, THRESHOLD, MARGIN) is None


def test_the_folds_score_each_mention_with_a_model_fit_without_it() -> None:
    seen: list[set[int]] = []

    def fitted(rows: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
        seen.append(set(rows.tolist()))
        return lambda parts: parts

    m = 25
    labels = np.zeros((m, 2), dtype=bool)
    labels[::2, 0] = True
    labels[1::2, 1] = True
    calibrate(fitted, [np.full((1, 2), 0.3)] * m, labels, THRESHOLD, MARGIN)
    assert len(seen) == 5
    assert all(len(s) == 20 for s in seen)
    # Every mention was held out exactly once.
    assert sum(m - len(s) for s in seen) == m
    assert set.union(*({*range(m)} - s for s in seen)) == set(range(m))


def test_a_topic_nearly_every_mention_names_is_present_wherever_scored() -> None:
    """Two negatives in 60 say nothing about where negatives lie: no cut between them."""
    rng = np.random.default_rng(4)
    m = 60
    labels = rng.random((m, 3)) < 0.6
    labels[:, 0] = True
    labels[[3, 7], 0] = False
    parts = []
    for y in labels:
        score = np.where(y, 0.15, 0.0) + rng.normal(0, 0.02, 3)
        score[0] = rng.normal(0.1, 0.05)  # the common topic: negatives score like positives
        parts.append(score[None, :])
    rule = calibrate(_as_scores, parts, labels, THRESHOLD, MARGIN)
    assert rule is not None and rule.per_topic
    stat = np.stack([p.max(axis=0) for p in parts])
    found = kept(stat - rule.offset, THRESHOLD, MARGIN, rule.contested)
    assert found[:, 0].all()
    assert -0.2 < rule.offset[1] < -0.1  # the others keep a cut between their classes


def test_a_contested_topic_is_not_pushed_out_by_another_topics_cut() -> None:
    """Topic 0 is in nearly every mention (present wherever it scores: a large shift), topic
    2 in four, which the contest finds (0.4, well above the rest): it still finds them once
    topic 0's scores are shifted, as calibration counted."""
    rng = np.random.default_rng(5)
    m = 60
    labels = np.zeros((m, 3), dtype=bool)
    labels[:, 0] = True
    labels[[3, 7], 0] = False
    labels[:, 1] = rng.random(m) < 0.5
    labels[[10, 20, 30, 40], 2] = True
    parts = []
    for y in labels:
        score = np.where(y, [0.1, 0.15, 0.4], [0.1, 0.0, 0.0]) + rng.normal(0, 0.02, 3)
        parts.append(score[None, :])
    rule = calibrate(_as_scores, parts, labels, THRESHOLD, MARGIN)
    assert rule is not None and rule.per_topic
    assert rule.contested.tolist() == [False, False, True]
    assert rule.offset[0] <= -1.0
    stat = np.stack([p.max(axis=0) for p in parts])
    found = kept(stat - rule.offset, THRESHOLD, MARGIN, rule.contested, rule.offset)
    assert found[[10, 20, 30, 40], 2].all() and found[:, 2].sum() == 4
    assert found[:, 0].all()
