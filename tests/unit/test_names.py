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
