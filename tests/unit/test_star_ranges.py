"""Star ranges as questions write them: the filter a rating question puts on its mentions."""

import pytest

from ask.planner import rating_range


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
    assert rating_range(question)[:2] == expected
