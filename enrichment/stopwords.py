"""Stop words per language, for naming clusters by their distinctive terms.

en ru uk ar fa come from stopwordsiso; kk be ka, which it lacks, from the compiled lists in
enrichment/stopwords/. Words are folded as the tokenizers fold them (`hark.text.fold`), so a
lookup is a plain set membership. Twitter noise (rt, amp, URLs) belongs to the tokenizer, not
here: it is noise in every language, not a word of one.
"""

from __future__ import annotations

import functools
from pathlib import Path

import stopwordsiso

from hark.text import fold

LANGUAGES = ("en", "ru", "uk", "kk", "be", "ar", "fa", "ka")
_FROM_ISO = ("en", "ru", "uk", "ar", "fa")
_LISTS = Path(__file__).parent / "stopwords"

# Kazakh and Belarusian posts often switch to Russian mid-sentence, and language detection
# names one language per text, so their lists also drop Russian function words.
_ALSO = {"kk": ("ru",), "be": ("ru",)}

# stopwordsiso's lists are built for web search and include words that name what customers
# complain about ("call", "line", "help", "деньги", "работает"); a cluster label needs them.
_KEEP = {
    "en": {
        "bill", "buy", "call", "changes", "computer", "copy", "date", "early", "empty", "end",
        "fix", "free", "full", "help", "home", "homepage", "information", "line", "miss",
        "name", "number", "numbers", "open", "opened", "opening", "order", "ordered",
        "ordering", "orders", "page", "pages", "problem", "problems", "room", "rooms", "run",
        "sent", "site", "system", "test", "tv", "value", "web", "webpage", "website", "work",
        "worked", "working", "works",
    },
    "ru": {
        "вода", "вопрос", "время", "времени", "вечер", "взять", "город", "день", "деньги",
        "дом", "дорога", "ждать", "машина", "место", "минута", "москва", "ночь", "ответить",
        "писать", "получить", "процентов", "работа", "работать", "россия", "улица", "утро",
        "час",
    },
}  # fmt: skip


def _language_list(language: str) -> frozenset[str]:
    if language in _FROM_ISO:
        words = set(stopwordsiso.stopwords(language)) - _KEEP.get(language, set())
    else:
        lines = (_LISTS / f"{language}.txt").read_text(encoding="utf-8").splitlines()
        words = {line.strip() for line in lines if line.strip() and not line.startswith("#")}
    return frozenset(f for w in words if (f := fold(w).strip()))


def language_code(language: str | None) -> str:
    """ "ru-RU" → "ru"; "" for None or a language without a list."""
    code = (language or "").split("-")[0].split("_")[0].lower()
    return code if code in LANGUAGES else ""


def stop_words(language: str | None) -> frozenset[str]:
    """Folded stop words for a language code ("ru", "ru-RU"); None or an unknown code gives
    the union of every list, for text whose language was not detected."""
    return _for_code(language_code(language))


@functools.cache
def _for_code(code: str) -> frozenset[str]:
    if not code:
        return frozenset().union(*(_for_code(c) for c in LANGUAGES))
    return frozenset().union(
        _language_list(code), *(_language_list(o) for o in _ALSO.get(code, ()))
    )
