"""The phrase files (ask/phrases/<language>.toml) and the number formats they are filled with.

Everything Hark writes in words comes from these files: the statements of facts
(ask/facts.py, the ``[fact]`` table) and the template composer's answers
(ask/composer_template.py, the top-level keys). Both read them here, so a sentence is
changed or translated in one place and both renderings stay in step."""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import Any

PHRASES = Path(__file__).parent / "phrases"


@cache
def phrases(language: str) -> dict[str, Any]:
    """The phrases of ``language``; English for a language without a file."""
    path = PHRASES / f"{language}.toml"
    if not path.is_file():
        path = PHRASES / "en.toml"
    return tomllib.loads(path.read_text(encoding="utf-8"))


def num(value: float | None, language: str) -> str:
    """A number as an answer shows it: whole numbers without ``.0``, others with one decimal,
    a decimal comma in Russian."""
    if value is None:
        return "?"
    text = str(int(value)) if float(value).is_integer() else f"{value:.1f}"
    return text.replace(".", ",") if language == "ru" else text


def raw(value: float, language: str) -> str:
    """A number as a fact's statement shows it: exactly as computed (``12.0``, ``58.24``), so
    the statement shows the very numbers the fact allows; a decimal comma in Russian."""
    text = str(value)
    return text.replace(".", ",") if language == "ru" else text


def raw_signed(value: float, language: str) -> str:
    """A relative change as a statement shows it: signed, one decimal (``+12.5``)."""
    text = f"{value:+.1f}"
    return text.replace(".", ",") if language == "ru" else text
