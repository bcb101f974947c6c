"""Numbers and counts as a reader writes them: CLDR plural forms, decimal separators, dates."""

from datetime import date

import pytest

from ask.phrasing import day_text, mentions, month_text, num


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (1, "1 негативное упоминание"),
        (2, "2 негативных упоминания"),
        (5, "5 негативных упоминаний"),
        (11, "11 негативных упоминаний"),
        (21, "21 негативное упоминание"),
        (82, "82 негативных упоминания"),
    ],
)
def test_russian_counts_take_their_plural_form(n: int, expected: str) -> None:
    assert mentions(n, "negative", "ru") == expected


def test_english_counts() -> None:
    assert mentions(1, None, "en") == "1 mention"
    assert mentions(14, "positive", "en") == "14 positive mentions"


@pytest.mark.parametrize(
    ("language", "expected"), [("en", "12.5"), ("ru", "12,5"), ("kk", "12,5"), ("ar", "12.5")]
)
def test_decimal_separator_is_the_readers(language: str, expected: str) -> None:
    assert num(12.5, language) == expected
    assert num(12.0, language) == "12"


def test_dates_in_the_readers_words() -> None:
    assert day_text(date(2015, 2, 22), "ru") == "22 февраля 2015 г."
    assert month_text(date(2014, 7, 1), "ru") == "июль 2014 г."
    assert month_text(date(2014, 7, 1), "en") == "July 2014"
