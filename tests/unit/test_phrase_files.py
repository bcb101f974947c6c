"""Every phrase file (ask/phrases/<language>.toml) against the English one: the same keys, the
same placeholders, a form for each plural category the language has, nothing hidden; and an
answer composed from it in each language."""

from __future__ import annotations

import re
import string
import tomllib
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from babel import Locale

from ask.composer_template import TemplateComposer
from ask.facts import (
    CountFact,
    Evidence,
    PeakFact,
    Quote,
    RankingFact,
    RankItem,
    SentimentShareFact,
    WindowFact,
)
from ask.phrasing import PHRASES
from ask.plan import Intent, Plan, PlanWindow
from hark.domain import Sentiment

FILES = sorted(PHRASES.glob("*.toml"))
LANGUAGES = [path.stem for path in FILES]
# Keys a language may add where its grammar needs a second form (see ru.toml).
OPTIONAL = {"sentiment_nom", "about_many", "dimension_by"}
# Tables whose keys below each entry are CLDR plural categories, which differ by language.
PLURAL_TABLES = {"mentions", "ratings"}
# Placeholders the composer fills side by side with the same content in another grammatical
# form: a line may use either ("negative " / "негативные " / "negative").
VARIANT_OF = {
    "sentiment_nom": "sentiment",
    "sentiment_word": "sentiment",
    "dimension_by": "dimension",
}
# name_match gets the count both with its noun ({mentions}) and bare ({count}).
KEY_VARIANTS = {"name_match": {"count": "mentions"}}
# Known gaps in existing files, reported to their owners: ru's peak line has no {granularity}.
KNOWN_GAPS: dict[tuple[str, str], set[str]] = {}
# Bidi marks, embeddings, overrides and isolates; zero-width spaces and joiners; word joiners.
HIDDEN = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\u061c\ufeff]")


def _load(language: str) -> dict[str, Any]:
    return tomllib.loads((PHRASES / f"{language}.toml").read_text(encoding="utf-8"))


def _strings(table: dict[str, Any], path: tuple[str, ...] = ()) -> dict[tuple[str, ...], str]:
    """Every string of ``table`` by its key path."""
    out: dict[tuple[str, ...], str] = {}
    for key, value in table.items():
        if isinstance(value, dict):
            out |= _strings(value, (*path, key))
        else:
            out[(*path, key)] = value
    return out


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def _normalised(key: tuple[str, ...], text: str, language: str) -> set[str]:
    names = {VARIANT_OF.get(n, n) for n in _placeholders(text)}
    names = {KEY_VARIANTS.get(key[-1], {}).get(n, n) for n in names} if len(key) == 1 else names
    return names | KNOWN_GAPS.get((language, ".".join(key)), set())


def _categories(language: str) -> set[str]:
    locale = Locale.parse(language)
    return {locale.plural_form(n) for n in [*range(201), 1.5]}


EN = _load("en")


def _general(table: dict[str, Any]) -> dict[tuple[str, ...], str]:
    """The strings outside the plural tables and the optional keys."""
    rest = {k: v for k, v in table.items() if k not in PLURAL_TABLES | OPTIONAL}
    return _strings(rest)


@pytest.mark.parametrize("language", LANGUAGES)
def test_same_keys_as_english(language: str) -> None:
    p = _load(language)
    assert set(p) - set(EN) <= OPTIONAL
    mine, english = set(_general(p)), set(_general(EN))
    assert not english - mine, f"missing: {sorted('.'.join(k) for k in english - mine)}"
    assert not mine - english, f"not in en.toml: {sorted('.'.join(k) for k in mine - english)}"
    for table in PLURAL_TABLES:
        assert set(p[table]) == set(EN[table]), table
    if "sentiment_nom" in p:
        assert set(p["sentiment_nom"]) == set(EN["sentiment"])
    if "dimension_by" in p:
        assert set(p["dimension_by"]) == set(EN["dimension"])


@pytest.mark.parametrize("language", LANGUAGES)
def test_same_placeholders_as_english(language: str) -> None:
    p = _load(language)
    en = _general(EN)
    for key, text in _general(p).items():
        if key not in en:
            continue  # test_same_keys_as_english names it
        assert _normalised(key, text, language) == _normalised(key, en[key], "en"), ".".join(key)
    if "about_many" in p:
        assert _placeholders(p["about_many"]) == _placeholders(EN["about"])
    for table in PLURAL_TABLES:
        for name, forms in p[table].items():
            for category, text in forms.items():
                assert _placeholders(text) == {"n"}, f"{table}.{name}.{category}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_plural_forms_cover_the_languages_categories(language: str) -> None:
    needed = _categories(language)
    p = _load(language)
    for table in PLURAL_TABLES:
        for name, forms in p[table].items():
            assert set(forms) == needed, f"{table}.{name}"


@pytest.mark.parametrize("path", FILES, ids=LANGUAGES)
def test_no_hidden_characters(path: Path) -> None:
    hidden = {f"U+{ord(c):04X}" for c in HIDDEN.findall(path.read_text(encoding="utf-8"))}
    assert not hidden, f"{path.name}: {sorted(hidden)}"


FEBRUARY = PlanWindow(
    start=datetime(2015, 2, 1, tzinfo=UTC),
    end=datetime(2015, 3, 1, tzinfo=UTC),
    label="February 2015",
)


def _plan(language: str, intent: Intent, **fields: Any) -> Plan:
    return Plan(
        question="negative mentions of Beeline in February 2015",
        intent=intent,
        language=language,
        reference=datetime(2015, 3, 1, tzinfo=UTC),
        window=FEBRUARY,
        sentiment=Sentiment.NEGATIVE,
        brands=["Beeline"],
        **fields,
    )


QUOTE = Quote(id=101, text="Связь пропадает каждый вечер", source="twitter")


def _evidence(*facts: Any) -> Evidence:
    window = WindowFact(id="f0", window=FEBRUARY)
    return Evidence(facts=[window, *facts], quotes=[QUOTE])


def _count(**fields: Any) -> CountFact:
    return CountFact(
        id="f1",
        total=82,
        sentiment=Sentiment.NEGATIVE,
        period="February 2015",
        citations=[101],
        **fields,
    )


def _answers(language: str) -> dict[str, str]:
    """A count with its sentiment split, a share, a trend and a ranking, composed."""
    split = [
        SentimentShareFact(id=f"s{i}", sentiment=s, count=c, share=share)
        for i, (s, c, share) in enumerate(
            [
                (Sentiment.NEGATIVE, 82, 41.0),
                (Sentiment.NEUTRAL, 70, 35.0),
                (Sentiment.POSITIVE, 48, 24.0),
            ]
        )
    ]
    ranking = RankingFact(
        id="f2",
        dimension="source",
        measure="count",
        sentiment=Sentiment.NEGATIVE,
        period="February 2015",
        items=[
            RankItem(value="twitter", name="twitter", count=82, total=200, share=41.0),
            RankItem(value="vk", name="vk", count=21, total=30, share=70.0),
        ],
        others=3,
        citations=[101],
    )
    peak = PeakFact(id="f2", granularity="week", start=date(2015, 2, 9), count=30, citations=[101])
    share = SentimentShareFact(id="f2", sentiment=Sentiment.NEGATIVE, count=20, share=9.8)
    compose = TemplateComposer().compose
    return {
        "count": compose(_plan(language, Intent.COUNT), _evidence(_count(), *split)),
        "share": compose(_plan(language, Intent.SHARE), _evidence(_count(), share)),
        "trend": compose(
            _plan(language, Intent.TREND, granularity="week"),
            _evidence(_count(granularity="week"), peak),
        ),
        "rank": compose(_plan(language, Intent.RANK, group_by="source"), _evidence(ranking)),
    }


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_answer_renders_in_each_language(language: str) -> None:
    answers = _answers(language)
    for intent, answer in answers.items():
        assert "{" not in answer and "}" not in answer, f"{intent}: {answer}"
        assert "82" in answer, f"{intent}: {answer}"
        assert not HIDDEN.search(answer), f"{intent}: {answer!r}"
        assert "[101]" in answer, f"{intent}: {answer}"
