from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from enrichment.taxonomy import THRESHOLDS, Taxonomy, Topic, TopicModel
from hark.text import slug

CATALOGS = Path(__file__).resolve().parents[2] / "enrichment" / "catalogs"


def test_the_bundled_airline_taxonomy_parses_and_round_trips() -> None:
    tax = Taxonomy.from_yaml((CATALOGS / "airline.taxonomy.yaml").read_text(encoding="utf-8"))
    assert len(tax.topics) == 9
    assert "lost_luggage" in {t.id for t in tax.topics}
    assert Taxonomy.from_dict(tax.to_dict()) == tax
    assert Taxonomy.from_stored(tax.to_dict()) == tax
    assert (tax.scoring, tax.removes_shared, tax.cut) == (2, True, THRESHOLDS[2])


def test_a_version_saved_before_scoring_2_keeps_its_scale() -> None:
    """A stored version with no "scoring" assigned its mentions on the centred-cosine scale
    with the threshold written beside it: loaded again, it scores and cuts as it did."""
    old = {"topics": [{"id": n, "name": n} for n in "abc"], "threshold": 0.225, "margin": 0.02}
    tax = Taxonomy.from_stored(old)
    assert (tax.scoring, tax.removes_shared, tax.cut) == (1, False, 0.225)
    assert Taxonomy.from_stored(tax.to_dict()) == tax
    grown = tax.with_topic(Topic(id="d", name="d"))
    assert (grown.scoring, grown.cut) == (1, 0.225)


def test_scoring_2_scores_what_sets_a_topic_apart() -> None:
    """A mention along the topics' shared direction (about the domain, no topic in
    particular) scores 0 on every topic; adding that direction to a mention changes no
    score; scoring 1 and question matching keep the plain centred cosine."""
    rng = np.random.default_rng(0)
    protos = rng.normal(size=(3, 8)) + 3.0  # three topics that share a lot
    protos /= np.linalg.norm(protos, axis=1, keepdims=True)
    tax = Taxonomy.from_yaml("topics: [{name: A}, {name: B}, {name: C}]")
    shared = protos.mean(axis=0) / np.linalg.norm(protos.mean(axis=0))
    model = TopicModel(tax, 0, protos, np.zeros(8), shared=shared)
    assert np.allclose(model.prototype_scores(shared[None, :]), 0.0)
    x = rng.normal(size=(1, 8))
    x /= np.linalg.norm(x)
    moved = x + 0.5 * shared
    moved /= np.linalg.norm(moved)

    # Only the part apart from the shared direction counts, at the length it keeps: the
    # scores differ by that length alone.
    def apart(v: np.ndarray) -> float:
        return float(np.linalg.norm(v - (v @ shared) * shared))

    assert np.allclose(
        model.prototype_scores(moved) / apart(moved), model.prototype_scores(x) / apart(x)
    )
    assert np.allclose(model.centred_cosines(x), x @ protos.T)
    plain = TopicModel(replace(tax, scoring=1), 0, protos, np.zeros(8))
    assert np.allclose(plain.prototype_scores(x), x @ protos.T)


def test_a_stored_scoring_that_is_not_a_scale_reads_as_the_old_one() -> None:
    for junk in (True, 2.0, "2", 7, None):
        body = {"topics": [{"id": n, "name": n} for n in "abc"], "scoring": junk}
        assert Taxonomy.from_stored(body).scoring == 1


def test_two_topics_keep_what_they_share() -> None:
    """With two topics, removing their mean would leave them opposite (every mention about
    one or the other): they are scored on the centred scale, with its threshold."""
    two = Taxonomy.from_yaml("topics: [{name: Delivery}, {name: Price}]")
    assert (two.scoring, two.removes_shared, two.cut) == (2, False, THRESHOLDS[1])
    three = two.with_topic(Topic(id="staff", name="Staff"))
    assert (three.removes_shared, three.cut) == (True, THRESHOLDS[2])
    own = Taxonomy.from_yaml("topics: [{name: A}, {name: B}, {name: C}]\nthreshold: 0.3")
    assert own.cut == 0.3 and own.to_dict()["threshold"] == 0.3
    legacy = Taxonomy.from_yaml("topics: [{name: A}, {name: B}, {name: C}]\nscoring: 1")
    assert (legacy.removes_shared, legacy.cut) == (False, THRESHOLDS[1])


@pytest.mark.parametrize(
    ("yaml_text", "message"),
    [
        ("topics: [", "not valid YAML"),
        ("name: x", "name: unknown field"),
        ("topics: []", "topics: List should have at least 1 item"),
        ("topics: [{description: no name}]", "topics[0].name: required"),
        ("topics: [{name: '!!!'}]", "topics[0].name: needs at least one letter or digit"),
        ("topics: [{name: [A]}]", "topics[0].name: Input should be a valid string"),
        ("topics: [{name: A, colour: red}]", "topics[0].colour: unknown field"),
        ("topics: [{name: A}, {name: a}]", "duplicate topic ids ['a']"),
        ("topics: [{name: A, parent: B}]", "parent 'b' is not a topic"),
        ("topics: [{name: A, examples: x}]", "topics[0].examples"),
        ("topics: [{name: A}]\nthreshold: high", "threshold: Input should be a valid number"),
        ("topics: [{name: A}]\nthreshold: .nan", "threshold: Input should be a finite number"),
        ("topics: [{name: A}]\nthreshold: -5", "threshold: Input should be greater than"),
        ("topics: [{name: A}]\nscoring: 3", "scoring: Input should be less than or equal to 2"),
        ("topics: [{name: A}]\nscoring: yes", "scoring: Input should be a valid integer"),
    ],
)
def test_bad_taxonomies_say_what_is_wrong(yaml_text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
        Taxonomy.from_yaml(yaml_text)


def test_ids_are_slugs_in_any_script() -> None:
    assert slug("Customer Service Issue") == "customer_service_issue"
    assert slug("Доставка / курьеры") == "доставка_курьеры"


def test_a_promoted_topic_cannot_shadow_an_existing_one() -> None:
    tax = Taxonomy.from_yaml("topics: [{name: Delivery}]")
    grown = tax.with_topic(Topic(id="refunds", name="Refunds", examples=("money back",)))
    assert [t.id for t in grown.topics] == ["delivery", "refunds"]
    with pytest.raises(ValueError, match="exists already"):
        grown.with_topic(Topic(id="delivery", name="Delivery again"))
