import pytest

from enrichment.clauses import split_clauses


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "The staff were lovely but delivery took two weeks.",
            ["The staff were lovely", "but delivery took two weeks."],
        ),
        (
            "Персонал вежливый, но доставка заняла две недели. Цены нормальные.",
            ["Персонал вежливый", "но доставка заняла две недели.", "Цены нормальные."],
        ),
        (
            "Қызметкерлер жақсы, бірақ жеткізу ұзақ болды",
            ["Қызметкерлер жақсы", "бірақ жеткізу ұзақ болды"],
        ),
        ("الموظفين رائعين لكن الغرفة كانت قذرة", ["الموظفين رائعين", "لكن الغرفة كانت قذرة"]),
        ("کیفیت عالی ولی قیمت بالاست", ["کیفیت عالی", "ولی قیمت بالاست"]),
    ],
)
def test_contrasting_clauses_and_sentences_are_split(text: str, expected: list[str]) -> None:
    assert split_clauses(text) == expected


def test_one_voice_stays_whole() -> None:
    # "and" does not turn an opinion around: no split.
    assert split_clauses("fast and friendly service at the Almaty pickup point") == [
        "fast and friendly service at the Almaty pickup point"
    ]
    # Words that merely contain a contrast word are not split on.
    assert split_clauses("Butter chicken was great") == ["Butter chicken was great"]


def test_fragments_join_a_neighbour() -> None:
    assert split_clauses("@united thanks! Great flight.") == ["@united thanks!", "Great flight."]
    assert split_clauses("Wow. The crew lost my bag") == ["Wow. The crew lost my bag"]


def test_long_reviews_are_capped() -> None:
    text = " ".join(f"Sentence number {i} is here." for i in range(30))
    parts = split_clauses(text, max_clauses=8)
    assert len(parts) <= 8
    assert " ".join(parts).split() == text.split()
