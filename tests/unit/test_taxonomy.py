from pathlib import Path

import pytest

from enrichment.taxonomy import DEFAULT_THRESHOLD, Taxonomy, Topic
from hark.text import slug

CATALOGS = Path(__file__).resolve().parents[2] / "enrichment" / "catalogs"


def test_the_bundled_airline_taxonomy_parses_and_round_trips() -> None:
    tax = Taxonomy.from_yaml((CATALOGS / "airline.taxonomy.yaml").read_text(encoding="utf-8"))
    assert len(tax.topics) == 9
    assert "lost_luggage" in {t.id for t in tax.topics}
    assert Taxonomy.from_dict(tax.to_dict()) == tax
    assert tax.threshold == DEFAULT_THRESHOLD


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
