"""Names outside the catalog: which words of a question are read as names, and the spellings
searched for in the texts."""

import pytest

from ask.names import candidates, spellings, stem


@pytest.mark.parametrize(
    ("question", "taken", "expected"),
    [
        ("Сколько негативных упоминаний Тинькоффа в июле?", ["в июле"], ["Тинькоффа"]),
        ("How many complaints about Home Credit last week?", ["last week"], ["Home Credit"]),
        ("Шілдеде Kaspi туралы қанша пікір болды?", [], ["Kaspi"]),
        ("Почему выросли жалобы на Tele2?", [], ["Tele2"]),
        ("What do people say about «Связной»?", [], ["Связной"]),
        # The opening word, ordinary words and words other readings took are no names.
        ("Which operator got the most negative tweets in July?", ["July"], []),
        ("Why did negative tweets about United rise on Feb 22?", ["United", "Feb 22"], []),
        ("Какой оператор больше всего ругали в июле?", ["в июле"], []),
    ],
)
def test_candidates(question: str, taken: list[str], expected: list[str]) -> None:
    assert candidates(question, taken) == expected


def test_inflected_russian_name_is_searched_by_its_stem_and_in_latin() -> None:
    assert stem("Тинькоффа") == "Тинькофф"
    assert stem("Связного") == "Связн"
    forms = spellings("Тинькоффа")
    assert {"Тинькофф", "тинькофф", "ТИНЬКОФФ", "tinkoff", "Tinkoff"} <= set(forms)
    # Latin names are kept as written, in their casings.
    assert {"Home Credit", "home credit", "HOME CREDIT"} <= set(spellings("Home Credit"))


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Сколько отзывов с оценкой 5 в 2024?", (5.0, 5.0)),
        ("Доля отзывов с рейтингом ниже 3", (1.0, 2.0)),
        ("reviews rated 4 or more", (4.0, 5.0)),
        ("How many 1-2 star reviews?", (1.0, 2.0)),
        ("reviews with a rating above 3", (4.0, 5.0)),
        ("Какой рейтинг у МТС?", (None, None)),
    ],
)
def test_star_ranges_in_questions(question: str, expected: tuple[float | None, ...]) -> None:
    from ask.planner import _rating_range

    assert _rating_range(question)[:2] == expected
