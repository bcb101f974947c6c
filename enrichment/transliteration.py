"""Recognising a written word as a catalog word: spelling skeletons, inflection endings, handles
and misspellings.

Skeletons: one key for a word however it is cased, accented or transliterated, so a
catalog names a brand once and it is found as "Sberbank", "СБЕРБАНК" or "Сбербанк".

The key is deliberately lossy, and the loss is what makes it work across scripts: Cyrillic
(Russian, Ukrainian, Belarusian, Kazakh letters) is written in Latin, then the spellings that
transliteration schemes disagree on are folded together (c/k/q, x/ks, y/j/i, kh/h, w/v), and
doubled letters are collapsed ("Россельхозбанк" and "Rosselkhozbank" both give "roselhozbank").
Brands whose two spellings differ in sound, not in script ("Beeline"/"Билайн"), still need both
aliases in the catalog.

The inflection endings that may follow a Cyrillic name live here too. They are compared in
Cyrillic, before any folding: "Банки" (Russian plural) and "Банкі" (Kazakh "its bank") differ.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from itertools import product

from rapidfuzz.distance import Hamming, Levenshtein

from hark.text import to_latin

_FOLDS = {
    "shch": "sh", "sch": "sh", "ch": "ch", "kh": "h", "ck": "k", "ph": "f",
    "c": "k", "q": "k", "x": "ks", "w": "v", "y": "i", "j": "i",
}  # fmt: skip
_FOLD = re.compile("|".join(sorted(_FOLDS, key=len, reverse=True)))
_DOUBLE = re.compile(r"([^\W\d_])\1+")  # letters only: "100" must stay a hundred


def normalise(text: str) -> str:
    """NFC and ё→е: what a surface is reported in, so offsets agree with the matched text."""
    return unicodedata.normalize("NFC", text).replace("ё", "е").replace("Ё", "Е")


@lru_cache(maxsize=1 << 16)
def skeleton(word: str) -> str:
    """The comparison key of one word (letters and digits only)."""
    s = _FOLD.sub(lambda m: _FOLDS[m.group()], to_latin(word))
    return "".join(c for c in _DOUBLE.sub(r"\1", s) if c.isalnum())


def is_cyrillic(char: str) -> bool:
    return "\u0400" <= char <= "\u052f"


# Case, number and possessive endings a noun takes after a brand name, and the possessive
# adjective ("сбербанковская карта"). Only these may follow a Cyrillic alias inside a word:
# "Сбербанка" is Sberbank, "Сбережения" is not.
_RU_SINGULAR = "а я у ю е ом ем ой ей ою ею ью"
_RU_PLURAL = "и ы ов ев ам ям ами ями ах ях"
_UK_SINGULAR = "ові еві і"
_UK_PLURAL = "ів їв"
_BE_PLURAL = "аў яў"
_ADJECTIVE = "ий ый ой ая яя ое ее ие ые ого его ому ему ым им ом ем ую юю ей их ых ими ыми"
_KK_CASE = (
    "ның нің дың дің тың тің ға ге қа ке на не а е ны ні ды ді ты ті н "
    "да де та те нда нде дан ден тан тен нан нен мен бен пен "
    "дағы дегі тағы тегі ндағы ндегі"
)
_KK_PLURAL = "лар лер дар дер тар тер"
_KK_POSSESSIVE = "ы і сы сі ым ім м ың ің ң ымыз іміз"


def _kazakh(plurals: list[str]) -> set[str]:
    parts = (["", *plurals], ["", *_KK_POSSESSIVE.split()], ["", *_KK_CASE.split()])
    return {a + b + c for a, b, c in product(*parts)} - {""}


# Singular forms: what the inner words of a multi-word alias may take ("Банке Москвы"), so
# that "банки Москвы" (banks in Moscow) is not the Bank of Moscow.
SINGULAR = frozenset({*_RU_SINGULAR.split(), *_UK_SINGULAR.split(), *_kazakh([])})
ENDINGS = SINGULAR | frozenset(
    {
        *_RU_PLURAL.split(),
        *_UK_PLURAL.split(),
        *_BE_PLURAL.split(),
        *_kazakh(_KK_PLURAL.split()),
        *(d + a for d in ("овск", "евск", "ск") for a in _ADJECTIVE.split()),
    }
)
MAX_ENDING = max(map(len, ENDINGS))
# Kazakh ablative: "Beeline-ден Kcell-ге ауыстым" moves away from the first.
ABLATIVE = ("дан", "ден", "тан", "тен", "нан", "нен")
# Russian/Ukrainian instrumental: after "с"/"з" it means "with", not "from".
INSTRUMENTAL = ("ом", "ем", "ой", "ей", "ою", "ею", "ью")


FUZZY_MIN = 5  # letters an alias word needs before a misspelling of it is accepted


class WordIndex:
    """Which alias words a written token is a form of. Built from skeletons; caches per token,
    since tweets reuse their vocabulary.

    ``words``: every alias word; ``whole``: one-word aliases, joined multi-word ones included
    (they may start or end a handle); ``misspellable``: names written as one word, whose
    misspellings count (not handles, which people pick from a list, nor joined forms).
    """

    def __init__(
        self, words: Iterable[str], whole: Iterable[str], misspellable: Iterable[str]
    ) -> None:
        self.words = frozenset(words)
        # Alias words ending in -a may swap it for a case ending ("Альфа", "Альфы").
        self.stems = {w[:-1]: w for w in self.words if w.endswith("a") and len(w) >= 4}
        self.tagged = frozenset(w for w in whole if len(w) >= 4)
        self.near: dict[tuple[str, str], list[str]] = {}
        for w in sorted(set(misspellable)):
            if len(w) >= FUZZY_MIN:
                self.near.setdefault((w[0], w[-1]), []).append(w)
        self._cache: dict[tuple[str, bool], dict[str, bool]] = {}

    def forms(self, token: str, *, tag: bool = False) -> dict[str, bool]:
        """{alias word: the token is a singular form of it} for a token ("@"/"#" stripped;
        ``tag`` says it was a handle or hashtag)."""
        if (got := self._cache.get((token, tag))) is None:
            got = self._lookup(token, tag)
            if len(self._cache) < 200_000:
                self._cache[token, tag] = got
        return got

    def _lookup(self, token: str, tag: bool) -> dict[str, bool]:
        if not (t := skeleton(token)):
            return {}
        hits = {t: True} if t in self.words else {}
        low = token.casefold()
        stems = [t]
        if is_cyrillic(low[-1]):  # endings only in Cyrillic: "Americana" is not "American"
            for k in range(1, min(MAX_ENDING, len(low) - 2) + 1):
                if (tail := low[-k:]) in ENDINGS:
                    stems.append(stem := skeleton(low[:-k]))
                    for w in (stem, self.stems.get(stem)):
                        if w in self.words:
                            hits[w] = hits.get(w, False) or tail in SINGULAR
        if not hits and tag:  # regional and support accounts: @MegaFonUralhelp, #велобилайн
            for n in range(len(t) - 1, 3, -1):
                if found := {t[:n], t[-n:]} & self.tagged:
                    return dict.fromkeys(found, True)
        if not hits:
            hits = dict.fromkeys(self._misspelt(stems), True)
        return hits

    def _misspelt(self, forms: list[str]) -> set[str]:
        """Conservative on purpose: measured on SentiRuEval, one dropped letter from a six-letter
        name mostly hits other words ("билан", "белые" for Beeline), so short names only allow
        a substituted letter."""
        out = set()
        for t in forms:
            for w in self.near.get((t[0], t[-1]), ()) if t else ():
                if len(w) < 7:
                    ok = len(t) == len(w) and Hamming.distance(t, w) <= 1
                else:
                    limit = 1 if len(w) < 10 else 2
                    ok = Levenshtein.distance(t, w, score_cutoff=limit) <= limit
                if ok:
                    out.add(w)
        return out
