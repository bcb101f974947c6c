"""A workspace's sentiment head: it moves the shipped model toward the workspace's
corrections, a little with few of them, and round-trips through its stored bytes."""

from __future__ import annotations

import numpy as np

from enrichment.sentiment import LABELS, SentimentModel, softmax
from enrichment.workspace_sentiment import (
    MIN_AUDITS_JUDGED,
    CrossValidation,
    SentimentHead,
    SentimentLabel,
    WorkspaceSentiment,
    fit_head,
    refit,
)


def _toy() -> tuple[SentimentModel, np.ndarray, list[str]]:
    """A 'shipped' model that knows negative from positive on the first axis but has never
    seen this workspace's neutral mentions, which live on the second axis."""
    rng = np.random.default_rng(0)
    w = np.zeros((8, 3), np.float32)
    w[0] = [-3, 0, 3]
    base = SentimentModel("toy", "toy", w, np.zeros(3, np.float32))
    x = rng.normal(0, 0.3, (300, 8)).astype(np.float32)
    y = rng.integers(0, 3, 300)
    x[y == 0, 0] -= 1.5
    x[y == 2, 0] += 1.5
    x[y == 1, 1] += 2.0
    return base, x, [LABELS[i] for i in y]


def _accuracy(model: WorkspaceSentiment, x: np.ndarray, y: list[str]) -> float:
    pred = [label for label, _ in model.predict(x, [""] * len(x))]
    return float(np.mean([p == t for p, t in zip(pred, y, strict=True)]))


def test_head_learns_what_the_shipped_model_misses() -> None:
    base, x, y = _toy()
    train, test = slice(0, 200), slice(200, 300)
    logits = base.logits(x[train], [""] * 200)
    alone = WorkspaceSentiment(base)
    head = fit_head(logits, x[train], y[train], version=1)
    refit = WorkspaceSentiment(base, head)
    assert _accuracy(refit, x[test], y[test]) > _accuracy(alone, x[test], y[test]) + 0.2
    assert refit.version == "toy+ws1" and alone.version == "toy"
    again = SentimentHead.from_bytes(1, head.to_bytes())
    assert np.allclose(again.adjust(x[test]), head.adjust(x[test]))


def test_few_corrections_move_the_model_little() -> None:
    base, x, y = _toy()
    few = fit_head(base.logits(x[:5], [""] * 5), x[:5], y[:5], version=1)
    many = fit_head(base.logits(x[:200], [""] * 200), x[:200], y[:200], version=1)
    assert np.abs(few.weights).sum() < np.abs(many.weights).sum() / 3


def test_labels_carry_probabilities_and_their_model() -> None:
    base, x, _ = _toy()
    got = WorkspaceSentiment(base).label(x[:3], [""] * 3)
    for label in got:
        assert label.origin == "model" and label.model == "toy"
        assert abs(sum(label.probs) - 1) < 1e-6
        assert label.label == LABELS[int(np.argmax(label.probs))]
    assert np.allclose(softmax(base.logits(x[:3], [""] * 3))[:, 0], [g.probs[0] for g in got])
    corrected = SentimentLabel.corrected("neutral")
    assert corrected.probs == (0.0, 1.0, 0.0) and corrected.origin == "correction"


def test_a_refit_that_learns_what_the_shipped_model_misses_is_used() -> None:
    base, x, y = _toy()
    fitted = refit(base.logits(x[:200], [""] * 200), x[:200], y[:200])
    assert fitted.checked is not None and fitted.checked.after > fitted.checked.before + 0.2
    assert fitted.active


def test_a_refit_that_only_ties_the_shipped_model_is_not_used() -> None:
    """Corrections that say what a confident shipped model already says: its heads agree
    with them just as often, and a tie is no reason to replace a model that is right."""
    base, x, _ = _toy()
    logits = 8 * base.logits(x[:200], [""] * 200)
    agreeing = [LABELS[int(i)] for i in logits.argmax(1)]
    fitted = refit(logits, x[:200], agreeing)
    assert fitted.checked is not None
    assert fitted.checked.head_right == fitted.checked.shipped_right == 200
    assert not fitted.active


def test_random_audits_are_judged_once_there_are_enough() -> None:
    base, x, y = _toy()
    logits = base.logits(x[:200], [""] * 200)
    few = [i < MIN_AUDITS_JUDGED - 1 for i in range(200)]
    enough = [i < MIN_AUDITS_JUDGED for i in range(200)]
    checked = refit(logits, x[:200], y[:200], audits=few).checked
    assert checked is not None and checked.random_audits == MIN_AUDITS_JUDGED - 1
    assert checked.audits_before is None and checked.audits_after is None
    checked = refit(logits, x[:200], y[:200], audits=enough).checked
    assert checked is not None and checked.random_audits == MIN_AUDITS_JUDGED
    # The audits are the first 25 corrections: their agreement is theirs alone.
    truth = np.array([LABELS.index(v) for v in y[:MIN_AUDITS_JUDGED]])
    head_right = checked.proba[:MIN_AUDITS_JUDGED].argmax(1) == truth
    shipped_right = logits[:MIN_AUDITS_JUDGED].argmax(1) == truth
    assert checked.audits_after == round(float(np.mean(head_right)), 4)
    assert checked.audits_before == round(float(np.mean(shipped_right)), 4)
    # The audit gate's test reads the audits only one of the two gets right.
    assert checked.audits_only_head_right == int((head_right & ~shipped_right).sum())
    assert checked.audits_only_shipped_right == int((shipped_right & ~head_right).sum())
    assert checked.audits_before != checked.before


def test_a_head_that_does_worse_on_the_random_audits_is_not_used() -> None:
    """Most corrections are mentions the model was unsure of; the random audits are a sample
    of the whole workspace. Here the queue's picks teach the head this workspace's neutral
    mentions, while the audits, which the user labels as the shipped model does, say the
    workspace does not want them: the head wins on all the corrections and loses on the
    audits, and is not used."""
    base, x, y = _toy()
    logits = base.logits(x[:300], [""] * 300)
    neutral = np.flatnonzero(np.array(y[:300]) == "neutral")
    audits = np.zeros(300, bool)
    audits[neutral[:30]] = True
    labels = [LABELS[int(logits[i].argmax())] if audits[i] else y[i] for i in range(300)]
    fitted = refit(logits, x[:300], labels, audits=audits)
    checked = fitted.checked
    assert checked is not None and checked.random_audits == 30
    assert checked.head_right > checked.shipped_right
    assert checked.audits_head_right < checked.audits_shipped_right
    assert not fitted.active
    # Without the audits marked, the same head would be used.
    assert refit(logits, x[:300], labels).active


def test_the_audit_gate_asks_for_a_significant_loss() -> None:
    """A head that agrees with 10 fewer of 200 audits, where 40 audits split the two (25
    against 15), is within what a sample strays by (McNemar's exact test: p = 0.077); 28
    against 16 is not (p = 0.048). Below 25 audits nothing is judged."""

    def cv(audits: int, only_shipped: int, only_head: int) -> CrossValidation:
        both = audits - only_shipped - only_head - audits // 10  # a tenth neither gets
        return CrossValidation(
            proba=np.zeros((300, 3)),
            shipped_right=150,
            head_right=180,
            random_audits=audits,
            audits_shipped_right=both + only_shipped,
            audits_head_right=both + only_head,
            audits_only_shipped_right=only_shipped,
            audits_only_head_right=only_head,
        )

    noisy = cv(200, 25, 15)
    assert noisy.audits_head_right < noisy.audits_shipped_right
    assert not noisy.worse_on_audits and noisy.beats
    worse = cv(200, 28, 16)
    assert worse.worse_on_audits and not worse.beats
    assert not cv(24, 10, 0).worse_on_audits  # too few to judge
    assert cv(25, 10, 0).worse_on_audits
