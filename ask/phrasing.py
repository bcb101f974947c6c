"""The phrase files (ask/phrases/<language>.toml) and the number formats they are filled with.

Everything Hark writes in words comes from these files: the statements of facts
(ask/facts.py, the ``[fact]`` table) and the template composer's answers
(ask/composer_template.py, the top-level keys). Both read them here, so a sentence is
changed or translated in one place and both renderings stay in step."""

from __future__ import annotations

import tomllib
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

from babel import Locale
from babel.dates import format_date, format_skeleton
from babel.numbers import get_decimal_symbol

PHRASES = Path(__file__).parent / "phrases"


@cache
def phrases(language: str) -> dict[str, Any]:
    """The phrases of ``language``; English for a language without a file."""
    path = PHRASES / f"{language}.toml"
    if not path.is_file():
        path = PHRASES / "en.toml"
    return tomllib.loads(path.read_text(encoding="utf-8"))


def has_phrases(language: str) -> bool:
    return (PHRASES / f"{language}.toml").is_file()


@cache
def _locale(language: str) -> Locale | None:
    try:
        return Locale.parse(language)
    except (ValueError, LookupError):
        return None


@cache
def _decimal(language: str) -> str:
    """The reader's decimal separator in Latin digits (the digits every verifier and client
    reads): a comma in Russian, Kazakh, Ukrainian, Belarusian and Georgian."""
    loc = _locale(language)
    return "." if loc is None else get_decimal_symbol(loc, numbering_system="latn")


def plural_category(value: float, language: str) -> str:
    """The CLDR plural category of ``value`` in ``language`` (one, two, few, many, other)."""
    loc = _locale(language)
    return "other" if loc is None else loc.plural_form(abs(value))


def plural(forms: dict[str, str], value: float, language: str) -> str:
    """The form of ``forms`` (keyed by CLDR category) that ``value`` takes, with ``{n}``
    filled: "1 упоминание", "2 упоминания", "5 упоминаний"."""
    form = forms.get(plural_category(value, language)) or forms["other"]
    return form.format(n=num(value, language))


def mentions(value: float, sentiment: str | None, language: str) -> str:
    """A count of mentions of a sentiment (or of all), in its plural form."""
    return plural(phrases(language)["mentions"][sentiment or "none"], value, language)


def num(value: float | None, language: str) -> str:
    """A number as an answer shows it: whole numbers without ``.0``, others with one decimal,
    with the reader's decimal separator."""
    if value is None:
        return "?"
    text = str(int(value)) if float(value).is_integer() else f"{value:.1f}"
    return text.replace(".", _decimal(language))


def raw(value: float, language: str) -> str:
    """A number as a fact's statement shows it: exactly as computed (``12.0``, ``58.24``), so
    the statement shows the very numbers the fact allows; the reader's decimal separator."""
    return str(value).replace(".", _decimal(language))


def raw_signed(value: float, language: str) -> str:
    """A relative change as a statement shows it: signed, one decimal (``+12.5``)."""
    return f"{value:+.1f}".replace(".", _decimal(language))


def day_text(day: date | datetime, language: str) -> str:
    """A calendar day as the reader writes it ("22 февраля 2015 г."); ISO where the language
    has no locale data."""
    loc = _locale(language)
    if loc is None or language == "en":
        return day.strftime("%Y-%m-%d") if language != "en" else f"{day:%d %B %Y}".lstrip("0")
    # CLDR puts narrow no-break spaces in dates ("2015\u202fг."): plain spaces read the same
    # and pass every check for hidden characters.
    return _plain_spaces(format_date(day, "long", locale=loc))


def month_text(day: date | datetime, language: str) -> str:
    """A calendar month as the reader writes it ("июль 2014 г.", "July 2014")."""
    loc = _locale(language)
    if loc is None:
        return f"{day:%Y-%m}"
    return _plain_spaces(format_skeleton("yMMMM", datetime(day.year, day.month, 1), locale=loc))


_YEAR = {"ru": "{y} г.", "be": "{y} г.", "uk": "{y} р.", "kk": "{y} ж."}


def year_text(year: int, language: str) -> str:
    """A calendar year as the reader writes it ("2024 г.", "2024 ж.", "2024")."""
    # CLDR's bare year has no "year" word; these languages write one after the number, as
    # their month and date formats do.
    return _YEAR.get(language, "{y}").format(y=year)


def _plain_spaces(text: str) -> str:
    return text.replace("\u202f", " ").replace("\xa0", " ")
