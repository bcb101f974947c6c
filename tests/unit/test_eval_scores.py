"""The evals' F1 scores (scikit-learn's) on numbers worked by hand, so that a library change
that moved a reported figure would show here."""

from __future__ import annotations

import pytest

from evals.common import macro_f1
from evals.topics import score


def test_macro_f1_by_hand() -> None:
    truth = ["neg", "neg", "neg", "pos", "pos", "neu"]
    pred = ["neg", "neg", "pos", "pos", "neu", "neg"]
    # neg: tp 2, fp 1, fn 1 -> 4/6; pos: tp 1, fp 1, fn 1 -> 2/4; neu: tp 0 -> 0.
    assert macro_f1(truth, pred) == pytest.approx((4 / 6 + 2 / 4 + 0) / 3, rel=1e-15)
    # A label nobody has or predicts scores 0 and still counts in the mean.
    assert macro_f1(truth, pred, ["neg", "pos", "neu", "other"]) == pytest.approx(
        (4 / 6 + 2 / 4) / 4, rel=1e-15
    )
    # The majority class alone: only its F1 is above zero.
    assert macro_f1(truth, ["neg"] * 6) == pytest.approx((2 * 3 / (2 * 3 + 3)) / 3, rel=1e-15)


def test_topic_scores_count_every_assigned_topic() -> None:
    truth = ["late", "late", "bags", "rude"]
    assigned = [
        [("late", 0.5)],
        [("bags", 0.4), ("late", 0.3)],  # top is wrong; "late" is still a hit, "bags" a miss
        [],
        [("rude", 0.6)],
    ]
    got = score(assigned, truth, ["late", "bags", "rude"])
    # late: tp 2 -> 1.0; bags: tp 0 -> 0; rude: tp 1 -> 1.0.
    assert got.macro_f1 == pytest.approx(2 / 3, rel=1e-15)
    assert got.accuracy == pytest.approx(2 / 4)
    assert got.coverage == pytest.approx(3 / 4)
