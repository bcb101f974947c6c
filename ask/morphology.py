"""Question words and their lemmas, in every script our users write in.

The rules planner reads what a question asks from signal words (ask/intent_lexicon.py).
Matching word starts with regexes misses inflection: Russian "ругали" is "ругать", Kazakh
"ұнамайды" is "ұна-" negated, Arabic "والشكاوى" is "شكوى" behind a conjunction and an
article, Persian "شکایت‌ها" is "شکایت" plus a plural suffix. So each word is expanded to the
set of forms it may stand for (itself, dictionary lemmas, stripped stems) and signals are
written as lemma sets.

Which analyser applies is decided per word by script, not per question: questions mix
scripts ("Kaspi-ге шағымдар"), and a short question's language is guessed badly. Where a
script is shared (Cyrillic: ru, uk, be, kk; Arabic script: ar, fa) every analyser that may
apply contributes; over-generating candidate forms is cheap, since a form only matters if
the lexicon holds it.

Analysers (pymorphy3 for ru/uk, simplemma for en/ar/fa, small stemmers for kk/be/ka) load
lazily, once per process: the planner imports this module whether or not it ever sees an
Arabic word, and simplemma's Arabic table alone takes ~0.4 s to load.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

Script = Literal["latin", "cyrillic", "arabic", "georgian", "other"]

# Letters, digits and joiners inside a word: ZWNJ (Persian "شکایت‌ها") and apostrophes
# ("didn't", Ukrainian "м'ясо") stay inside; hyphens split ("топ-3" is "топ", "3").
_WORD = re.compile(r"[^\W_](?:[^\W_]|[\u200c'’ʼ](?=[^\W_]))*")
_ZWNJ = "\u200c"
_ARABIC_MARKS = re.compile(r"[\u064b-\u065f\u0670\u0640]")  # harakat, dagger alif, tatweel
# Arabic and Persian spell the same letters with different code points (ي/ی, ك/ک) and
# writers drop hamza seats freely; folding both sides makes lexicon entries spelling-blind.
_FOLD = str.maketrans(
    {
        "ё": "е",
        "ґ": "г",
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ي": "ی",
        "ى": "ی",
        "ك": "ک",
        "ۀ": "ه",
        "’": "'",
        "ʼ": "'",
    }
)

_KK_LETTERS = frozenset("әғқңөұүһ")
_UK_LETTERS = frozenset("їєґ")
_PERSIAN_LETTERS = frozenset("پچژگکی")
_ARABIC_LETTERS = frozenset("ةيكىأإؤئ")


@dataclass(frozen=True, slots=True)
class Word:
    """One word of a question: as written (folded), every form it may stand for, and whether
    its own morphology negates it (Kazakh "ұна-ма-йды", Persian "نمی‌پسندند")."""

    surface: str
    forms: frozenset[str]
    negated: bool = False


def fold(text: str) -> str:
    """Lowercase and spelling-normalised text: the form both questions and lexicon entries
    are compared in."""
    text = unicodedata.normalize("NFC", text).lower().translate(_FOLD)
    return _ARABIC_MARKS.sub("", text)


def script(word: str) -> Script:
    """The script of a word, by its first letter that has one."""
    for ch in word:
        o = ord(ch)
        if ch.isdigit() or not ch.isalpha():
            continue
        if o < 0x250:
            return "latin"
        if 0x400 <= o < 0x530:
            return "cyrillic"
        if 0x600 <= o < 0x700 or 0x750 <= o < 0x780 or 0xFB50 <= o < 0xFF00:
            return "arabic"
        if 0x10A0 <= o < 0x1100 or 0x1C90 <= o < 0x1CC0:
            return "georgian"
        return "other"
    return "other"


def raw_tokens(text: str) -> list[str]:
    """Lowercased words as written (ZWNJ kept), before any folding."""
    return _WORD.findall(unicodedata.normalize("NFC", text).lower())


def tokens(text: str) -> list[str]:
    """Lowercase, folded words of the text, in order (ZWNJ removed: Persian writers use it
    or a space or nothing between a stem and its suffix)."""
    return [fold(t).replace(_ZWNJ, "") for t in raw_tokens(text)]


def words(text: str) -> list[Word]:
    """The text's words, each with the forms it may stand for."""
    return [analyse(t) for t in raw_tokens(text)]


def lemmas(text: str) -> set[str]:
    """Every word of the text together with its lemmas and stems, folded."""
    out: set[str] = set()
    for w in words(text):
        out |= w.forms
    return out


# --- lazily loaded analysers -------------------------------------------------------------

_lock = threading.Lock()
_morph: dict[str, Any] = {}
_known_extra: set[str] = set()


def _pymorphy(lang: str) -> Any:
    # Loading costs ~0.1-0.3 s per language, so once per process; the lock keeps two
    # request threads from loading the same dictionary twice.
    analyser = _morph.get(lang)
    if analyser is None:
        with _lock:
            analyser = _morph.get(lang)
            if analyser is None:
                import pymorphy3

                analyser = pymorphy3.MorphAnalyzer(lang=lang)
                _morph[lang] = analyser
    return analyser


def _simplemma(word: str, lang: str) -> tuple[str, bool]:
    """(lemma, known) from simplemma; its dictionaries load on first use per language."""
    import simplemma

    return simplemma.lemmatize(word, lang=lang), simplemma.is_known(word, lang=lang)


def register_known(forms: Iterable[str]) -> None:
    """Forms to treat as known words when deciding whether a one-letter Arabic proclitic
    (و ف ب ل ك) is a prefix or part of the word: the lexicon's own entries, so "وشكاوى"
    reads as "و" + "شكاوى" even where simplemma lacks the form."""
    _known_extra.update(fold(f) for f in forms)
    analyse.cache_clear()


def _pymorphy_forms(word: str, lang: str) -> tuple[set[str], bool]:
    morph = _pymorphy(lang)
    parses = morph.parse(word)
    known = bool(morph.word_is_known(word))
    # A known word keeps every reading ("больше": "большой" and "много"); an unknown one is
    # a guess from its ending, so only the best guess is kept.
    chosen = parses if known else parses[:1]
    return {p.normal_form for p in chosen}, known


# --- Kazakh ------------------------------------------------------------------------------

# Endings, longest first within each group. Agglutination stacks them (plural, possessive,
# case; or negation, tense, person), so stripping is repeated and every intermediate stem is
# a candidate.
_KK_VERB_ENDINGS = (
    "йтындар",
    "йтын",
    "йтін",
    "атын",
    "етін",
    "ймыз",
    "йміз",
    "йсыз",
    "йсіз",
    "йсың",
    "йсің",
    "ймын",
    "ймін",
    "йды",
    "йді",
    "ады",
    "еді",
    "ған",
    "ген",
    "қан",
    "кен",
    "ды",
    "ді",
    "ты",
    "ті",
    "ып",
    "іп",
    "п",
    "са",
    "се",
    "у",
)
_KK_NOUN_ENDINGS = (
    "лардың",
    "лердің",
    "дардың",
    "дердің",
    "тардың",
    "тердің",
    "лары",
    "лері",
    "дары",
    "дері",
    "тары",
    "тері",
    "ларға",
    "лерге",
    "дарға",
    "дерге",
    "тарға",
    "терге",
    "ларда",
    "лерде",
    "дағы",
    "дегі",
    "тағы",
    "тегі",
    "ның",
    "нің",
    "дың",
    "дің",
    "тың",
    "тің",
    "нда",
    "нде",
    "дан",
    "ден",
    "тан",
    "тен",
    "нан",
    "нен",
    "мен",
    "бен",
    "пен",
    "сына",
    "сіне",
    "сын",
    "сін",
    "сы",
    "сі",
    "лар",
    "лер",
    "дар",
    "дер",
    "тар",
    "тер",
    "ға",
    "ге",
    "қа",
    "ке",
    "на",
    "не",
    "да",
    "де",
    "та",
    "те",
    "ны",
    "ні",
    "ын",
    "ін",
    "ы",
    "і",
)
_KK_NEGATION = ("ма", "ме", "ба", "бе", "па", "пе")


def _kazakh(word: str) -> tuple[set[str], bool]:
    """Candidate stems of a Kazakh word, and whether a verb ending sat on a negation suffix
    ("ұна-ма-йды": does not like)."""
    stems: set[str] = set()
    negated = False
    frontier = [(word, 0)]
    while frontier:
        w, depth = frontier.pop()
        if depth >= 4:
            continue
        for ending in _KK_VERB_ENDINGS:
            if w.endswith(ending) and len(w) - len(ending) >= 2:
                stem = w[: -len(ending)]
                if stem not in stems:
                    stems.add(stem)
                    frontier.append((stem, depth + 1))
                # The negation suffix sits between the verb stem and tense/person endings.
                if stem[-2:] in _KK_NEGATION and len(stem) - 2 >= 2:
                    negated = True
                    stems.add(stem[:-2])
        for ending in _KK_NOUN_ENDINGS:
            if w.endswith(ending) and len(w) - len(ending) >= 2:
                stem = w[: -len(ending)]
                if stem not in stems:
                    stems.add(stem)
                    frontier.append((stem, depth + 1))
    return stems, negated


# --- Belarusian --------------------------------------------------------------------------

# Russian-like endings in Belarusian spelling (ў, і, э); one ending is stripped, longest
# first, since lexicon entries for Belarusian are stems.
_BE_ENDINGS = tuple(
    sorted(
        (
            "ямі амі аў яў ах ях ам ям ом ем ой ай ей ага яга ому аму ым ім ых іх ая яя ую юю"
            " ыя ія ае яе ое аюць яюць уюць юць аць яць ець іць ыць ць ліся лася лося ўся"
            " цца лі ла ло ў а я у ю е ы і о"
        ).split(),
        key=len,
        reverse=True,
    )
)


def _belarusian(word: str) -> set[str]:
    for ending in _BE_ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            return {word[: -len(ending)]}
    return set()


# --- Arabic ------------------------------------------------------------------------------

_AR_ARTICLES = ("وبال", "وال", "فال", "بال", "كال", "لل", "ال")
_AR_PROCLITICS = ("و", "ف", "ب", "ل", "ك", "س")
_AR_SUFFIXES = ("ات", "ون", "ين", "ية", "ها", "هم", "نا", "ة", "ه")


def _ar_known(form: str) -> bool:
    return fold(form) in _known_extra or _simplemma(form, "ar")[1]


def _arabic(word: str) -> set[str]:
    out: set[str] = set()
    bases = {word}
    for article in _AR_ARTICLES:
        if word.startswith(article) and len(word) - len(article) >= 2:
            bases.add(word[len(article) :])
            break
    else:
        # A single letter is only a conjunction or preposition if what is left is a word:
        # "وصول" is not "و" + "صول".
        if word[:1] in _AR_PROCLITICS and len(word) >= 4:
            rest = word[1:]
            if rest.startswith("ال") and len(rest) >= 4:
                bases.add(rest[2:])
            elif _ar_known(rest):
                bases.add(rest)
    stripped: set[str] = set()
    for base in bases:
        for suffix in _AR_SUFFIXES:
            if base.endswith(suffix) and len(base) - len(suffix) >= 3:
                stripped.add(base[: -len(suffix)])
                if suffix == "ية":
                    stripped.add(base[:-1])  # "سلبية" -> "سلبي"
    bases |= stripped
    for base in bases:
        out.add(base)
        lemma = _simplemma(base, "ar")[0]
        out.add(lemma)
        out.add(_simplemma(lemma, "ar")[0])
    return out


# --- Persian -----------------------------------------------------------------------------

_FA_SUFFIXES = ("هایی", "های", "ترین", "ها", "تر", "ای", "ی", "ان", "ات")


def _persian(raw: str) -> tuple[set[str], bool]:
    out: set[str] = set()
    negated = False
    joined = raw.replace(_ZWNJ, "")
    parts = [p for p in raw.split(_ZWNJ) if p]
    bases = {joined}
    if len(parts) > 1:
        # "شکایت‌ها": stem before the joiner; "می‌خواهند"/"نمی‌پسندند": verb after it.
        bases.add(parts[0])
        if parts[0] in ("می", "نمی"):
            bases.add("".join(parts[1:]))
    for prefix in ("نمی", "می"):
        if joined.startswith(prefix) and len(joined) - len(prefix) >= 3:
            bases.add(joined[len(prefix) :])
            negated = negated or prefix == "نمی"
    stripped: set[str] = set()
    for base in bases:
        stem = base
        for _ in range(2):  # "شکایت‌هایی" -> "شکایت"; "بدترین" -> "بد"
            for suffix in _FA_SUFFIXES:
                if stem.endswith(suffix) and len(stem) - len(suffix) >= 2:
                    stem = stem[: -len(suffix)]
                    stripped.add(stem)
                    break
    bases |= stripped
    for base in bases:
        out.add(base)
        out.add(_simplemma(base, "fa")[0])
    return out, negated


# --- Georgian ----------------------------------------------------------------------------

_KA_SUFFIXES = tuple(
    sorted(
        "ებისთვის ისთვის ებში ებზე ების ებით ებმა ებს ები ში ზე ის ით ად მა ს ი ო".split(),
        key=len,
        reverse=True,
    )
)


def _georgian(word: str) -> set[str]:
    # No dictionary: simplemma's Georgian table costs 0.5-1 s to load and still misses the
    # verb forms questions use ("ჩივიან", "გაიზარდა"); case endings are regular enough to
    # strip, and the lexicon writes Georgian verbs as stems.
    out: set[str] = set()
    for suffix in _KA_SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            stem = word[: -len(suffix)]
            out |= {stem, stem + "ი"}  # nominative of consonant stems ends in -ი
            break
    return out


# --- per word ----------------------------------------------------------------------------


def _cyrillic(word: str) -> tuple[set[str], bool]:
    forms: set[str] = set()
    negated = False
    letters = set(word)
    kk_only = bool(letters & _KK_LETTERS)
    uk_only = bool(letters & _UK_LETTERS)
    be_only = "ў" in letters
    has_i = "і" in letters
    ru_known = uk_known = False
    if not (kk_only or uk_only or be_only or has_i):
        found, ru_known = _pymorphy_forms(word, "ru")
        forms |= found
    if not (kk_only or be_only) and not ru_known:
        found, uk_known = _pymorphy_forms(word, "uk")
        if uk_known or uk_only or has_i:
            forms |= found
    if not (ru_known or uk_known) or kk_only:
        stems, negated = _kazakh(word)
        forms |= stems
    if be_only or (has_i and not uk_known) or not (ru_known or uk_known):
        forms |= _belarusian(word)
    return forms, negated


@lru_cache(maxsize=8192)
def analyse(raw: str) -> Word:
    """A word (lowercase, as written) with every form it may stand for."""
    word = raw.replace(_ZWNJ, "")
    forms: set[str] = {word}
    negated = False
    kind = script(word)
    if kind == "latin":
        forms.add(_simplemma(word, "en")[0])
    elif kind == "cyrillic":
        found, negated = _cyrillic(word)
        forms |= found
    elif kind == "arabic":
        letters = set(word)
        # Letters only one language writes decide; otherwise both analysers contribute.
        if not letters & _PERSIAN_LETTERS or letters & _ARABIC_LETTERS:
            forms |= _arabic(word)
        if not letters & _ARABIC_LETTERS:
            found, negated = _persian(raw)
            forms |= found
    elif kind == "georgian":
        forms |= _georgian(word)
    folded = frozenset(f for f in (fold(x) for x in forms) if f)
    return Word(surface=fold(word), forms=folded, negated=negated)
