from pathlib import Path

import numpy as np
import pytest

from enrichment.sentiment import LABELS, SentimentModel, fit, from_rating


def test_classifier_learns_separable_classes_and_round_trips(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    centres = np.eye(3, 8, dtype=np.float32) * 3
    x = np.concatenate([c + rng.normal(0, 0.3, (60, 8)) for c in centres]).astype(np.float32)
    y = [label for label in LABELS for _ in range(60)]
    w, b = fit(x, y, epochs=200)
    model = SentimentModel("sentiment.test", "toy", w, b)
    predicted = [label for label, _ in model.predict(x, [""] * len(x))]
    assert np.mean([p == t for p, t in zip(predicted, y, strict=True)]) > 0.95
    score_of = dict(model.predict(centres, [""] * 3))
    assert score_of["negative"] < 0 < score_of["positive"]
    model.save({"note": "toy"}, tmp_path)
    again = SentimentModel.load("sentiment.test", tmp_path)
    assert np.allclose(again.proba(x, [""] * len(x)), model.proba(x, [""] * len(x)))


@pytest.mark.parametrize(
    ("rating", "low", "high", "label"),
    [
        (1, 1, 5, "negative"),
        (2, 1, 5, "negative"),
        (3, 1, 5, "neutral"),
        (4, 1, 5, "positive"),
        (5, 1, 5, "positive"),
        (6, 0, 10, "positive"),
        (3, 0, 10, "negative"),
    ],
)
def test_ratings_map_by_their_own_scale(rating: float, low: float, high: float, label: str) -> None:
    got, score = from_rating(rating, low, high)
    assert got == label and -1 <= score <= 1
