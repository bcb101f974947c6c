"""Names in a question that nothing in the workspace knows: a brand, product or place that is
not in the entity catalog nor a stored brand, source or location value.

Dropping such a name answers a broader question than the one asked ("how is Tinkoff doing?"
answered over every bank). So a name-like word the other readings did not take is looked
up in the texts themselves, lexically, in the spellings a reader would use: its inflected
form reduced to a stem (Russian, Ukrainian, Belarusian and Kazakh endings), that stem in
Latin letters ("Тинькофф" → "tinkoff"), each in the casings a text may use. A name found in
the texts scopes the answer to the mentions that name it; one found nowhere is said so.

What looks like a name: a capitalised or mixed-case word that does not open the question
("iPhone", "Тинькофф"), a word with letters and digits ("Tele2"), a Latin word in a question
written in another script ("Kaspi" in a Kazakh question), or anything in quotes. Adjacent
name words form one name ("Home Credit"). Scripts without case (Arabic, Persian, Georgian)
only yield names from quotes and Latin words: a known gap.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import cache
from typing import Any

from enrichment.stopwords import stop_words
from enrichment.transliteration import ENDINGS, is_cyrillic, skeleton
from hark.text import to_latin

_QUOTED = re.compile(r"[«\"“„']([^«»\"“”„']{2,60})[»\"”']")
_WORD = re.compile(r"[^\W_][\w'’-]*", re.UNICODE)
MIN_STEM = 4
MIN_PATTERN = 4
# Case endings of names used as adjectives ("Связного", "Русскому Стандарту") beside the
# noun endings the catalog matcher strips.
_ADJECTIVE_ENDINGS = frozenset(
    "ого его ому ему ым им ом ем ую юю ой ей ая яя ое ее ий ый ие ые их ых ими ыми".split()
)
_STRIPPED = ENDINGS | _ADJECTIVE_ENDINGS
MAX_NAMES = 3
LANGUAGES = ("en", "ru", "kk", "be", "uk", "ar", "fa", "ka")


@cache
def _common() -> frozenset[str]:
    """Words of any of Hark's languages that are never names by themselves."""
    return frozenset(w for lang in LANGUAGES for w in stop_words(lang))


def is_common(word: str) -> bool:
    """A stop word of any of Hark's languages."""
    return word.lower() in _common()


def _is_latin(word: str) -> bool:
    return all(c.isascii() for c in word if c.isalpha())


def _name_like(word: str, first: bool, latin_in_other_script: bool) -> bool:
    letters = [c for c in word if c.isalpha()]
    if len(letters) < 2 or word.lower() in _common():
        return False
    if any(c.isdigit() for c in word):
        return True
    if latin_in_other_script and _is_latin(word):
        return len(letters) >= 3
    cased = word[0].isupper() or any(c.isupper() for c in word[1:])
    if first:
        # A question's first word is capitalised anyway: a name only if it is a Cyrillic
        # word the Russian dictionary does not know ("Тинькофф …", not "Покажи …") and not
        # Kazakh (whose words the Russian dictionary does not know either).
        return cased and len(letters) >= 4 and _unknown_cyrillic(word)
    return cased and len(letters) >= 3


_KAZAKH_LETTERS = frozenset("әғқңөұүһіӘҒҚҢӨҰҮҺІ")


def _unknown_cyrillic(word: str) -> bool:
    if not all(is_cyrillic(c) for c in word if c.isalpha()) or _KAZAKH_LETTERS & set(word):
        return False
    return not _russian().word_is_known(word.lower())


# Nouns that measure rather than name what is talked about ("в час", "за неделю").
_UNITS = frozenset(
    "час минута секунда день сутки неделя месяц год квартал раз процент штука человек".split()
)


def subject_noun(word: str) -> bool:
    """A Russian or Ukrainian common noun that can name what mentions talk about
    ("банкоматы", "интернет", "роуминг"), not a unit of time or count."""
    if not word or not all(is_cyrillic(c) for c in word if c.isalpha()) or len(word) < 4:
        return False
    parse = _russian().parse(word.lower())[0]
    return parse.tag.POS == "NOUN" and parse.normal_form not in _UNITS


@cache
def _russian() -> Any:
    import pymorphy3

    return pymorphy3.MorphAnalyzer(lang="ru")


_POSSESSIVE = re.compile(r"['’]s?$")


def candidates(
    question: str, taken: Iterable[str], ordinary: Callable[[str], bool] | None = None
) -> list[str]:
    """Name-like spans of ``question`` that no other reading took (``taken``: words and
    phrases already read as periods, signals, catalog names or stored values; ``ordinary``:
    words the question's other readings use, such as "Топ-3")."""
    taken_keys = {skeleton(w) for t in taken for w in _WORD.findall(t)}
    names = [q.strip() for q in _QUOTED.findall(question)]
    rest = _QUOTED.sub(" ", question)
    words = [(_POSSESSIVE.sub("", m.group()), m.start()) for m in _WORD.finditer(rest)]
    non_latin = any(not _is_latin(w) for w, _ in words)
    run: list[str] = []
    opening = words[0][1] if words else 0
    for word, start in [*words, ("", -1)]:
        ok = (
            start >= 0
            and skeleton(word) not in taken_keys
            and _name_like(word, start == opening, non_latin)
            and not (ordinary is not None and ordinary(word))
        )
        if ok:
            run.append(word)
            continue
        if run:
            names.append(" ".join(run))
            run = []
    seen: dict[str, str] = {}
    for n in names:
        seen.setdefault(skeleton(n.replace(" ", "")), n)
    return list(seen.values())[:MAX_NAMES]


def stem(word: str) -> str:
    """A Cyrillic word without its inflection ending ("Тинькоффа" → "Тинькофф"), kept at
    MIN_STEM letters or more; other scripts as written."""
    if not word or not is_cyrillic(word[-1]):
        return word
    lower = word.lower()
    for size in range(min(4, len(word) - MIN_STEM), 0, -1):
        if lower[-size:] in _STRIPPED:
            return word[:-size]
    return word


def spellings(name: str) -> list[str]:
    """The forms searched for: the stem of each word, its Latin transliteration, each in
    lower, upper and capitalised case."""
    stems = " ".join(stem(w) for w in name.split())
    forms = {stems}
    if any(is_cyrillic(c) for c in stems):
        forms.add(to_latin(stems))
    out: dict[str, None] = {}
    # A stem or transliteration shorter than this matches inside other words ("Альфа" ->
    # "alf" -> "half"); the name as written is always kept.
    forms = {f for f in forms if len(f.replace(" ", "")) >= MIN_PATTERN or f == stems}
    for f in forms:
        for cased in (f, f.lower(), f.upper(), f[:1].upper() + f[1:].lower(), f.title()):
            out.setdefault(cased, None)
    return list(out)


def read_names(
    question: str,
    taken: Iterable[str],
    count: Callable[[list[str]], int],
    ordinary: Callable[[str], bool] | None = None,
) -> list[tuple[str, list[str], int]]:
    """(name, spellings, mentions naming it) for each name-like span no reading took;
    ``count`` counts the workspace's mentions whose text contains any spelling."""
    out = []
    for name in candidates(question, taken, ordinary):
        forms = spellings(name)
        out.append((name, forms, count(forms)))
    return out
