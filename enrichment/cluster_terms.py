"""Distinctive terms of a group of mentions against the rest: what to call a discovered topic.

Terms are words (Unicode letters only, so Cyrillic, Arabic, Persian and Georgian work alike)
and bigrams of adjacent words, folded by `hark.text.fold`. A term is scored by
document frequency, so one text repeating a word counts once, as p·log(p/q): p its share of the
group's texts, q its share of the others'. That is the term's part of the KL divergence from the
rest to the group (c-TF-IDF with two classes): frequent in the group and rare elsewhere wins,
and words common to everything score near zero even when no stop list names them.
"""

from __future__ import annotations

import functools
import html
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence

from enrichment.stopwords import language_code, stop_words
from hark.text import fold

# Tweet furniture, not words of any language: retweet markers, HTML entities the source left
# escaped, and pieces of truncated links ("http…").
NOISE = frozenset({"rt", "amp", "quot", "gt", "lt", "nbsp", "http", "https", "www", "com", "via"})

_STRIP = re.compile(
    r"https?://\S*|https?…|www\.\S+|\bt\.co/\S*|\S+@\S+\.\w+|[@＠]\w+",  # links, e-mails, @handles
    re.IGNORECASE,
)
_CLAUSE = re.compile(r"[.!?;:,()\[\]{}\"«»“”…\n\r\t|/\\–—]+|\s-\s")  # bigrams stay inside one
# A word: letters joined by apostrophes (don't, п'ять) or ZWNJ (Persian می‌شود).
_WORD = re.compile(r"\w+(?:['\u200c]\w+)*")
_SCRIPTS = (  # (script, first, last) code point ranges
    ("cyrillic", 0x0400, 0x052F),
    ("arabic", 0x0600, 0x08FF),
    ("arabic", 0xFB50, 0xFEFF),
    ("georgian", 0x10A0, 0x10FF),
    ("georgian", 0x1C90, 0x1CBF),
    ("georgian", 0x2D00, 0x2D2F),
    ("latin", 0x0041, 0x024F),
)
_SCRIPT_OF_LANGUAGE = {
    "en": "latin", "ru": "cyrillic", "uk": "cyrillic", "kk": "cyrillic", "be": "cyrillic",
    "ar": "arabic", "fa": "arabic", "ka": "georgian",
}  # fmt: skip


def _script(word: str) -> str:
    code = ord(word[0]) if word else 0
    return next((name for name, lo, hi in _SCRIPTS if lo <= code <= hi), "other")


@functools.cache
def _stops_for(language: str | None) -> frozenset[str]:
    """The language's stop words plus every list's words in other scripts: a Russian post
    quoting English keeps no "the", while a Cyrillic word is judged by its own language."""
    code = language_code(language)
    if not code:
        return stop_words(None)
    own = _SCRIPT_OF_LANGUAGE[code]
    foreign = (w for w in stop_words(None) if _script(w) != own)
    return stop_words(code).union(foreign)


def _keep(word: str, stops: frozenset[str]) -> bool:
    if len(word) < 2 or word in NOISE or not word.replace("'", "").replace("\u200c", "").isalpha():
        return False
    # Contractions: "don't" and its apostrophe-less spelling "dont" are both in the lists.
    if word in stops or word.replace("'", "") in stops:
        return False
    # Arabic and Persian write "and" as a prefix: ولكن is و + لكن ("but").
    return not (word[0] == "و" and word[1:] in stops)


def terms(text: str, language: str | None) -> set[str]:
    """The distinct unigrams and bigrams of one text, stop words and noise removed; a bigram
    joins two words adjacent in the text (no stop word, link or punctuation between)."""
    stops = _stops_for(language)
    found: set[str] = set()
    text = _STRIP.sub(" , ", html.unescape(text)).replace("#", " ")
    for clause in _CLAUSE.split(fold(text)):
        previous: str | None = None
        for word in _WORD.findall(clause):
            if word.endswith("'s") and _script(word) == "latin":
                word = word[:-2]  # the flight's / the flight
            if not _keep(word, stops):
                previous = None
                continue
            found.add(word)
            if previous is not None:
                found.add(f"{previous} {word}")
            previous = word
    return found


def document_frequencies(term_sets: Iterable[set[str]]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for found in term_sets:
        counts.update(found)
    return counts


def _same_stem(a: str, b: str) -> bool:
    """Two inflections of one term, as far as a label cares: delay/delayed, bag/bags,
    билайн/билайна, gate agent/gate agents. Word by word: a shared prefix of 4+ letters that
    leaves at most 2 letters of the shorter word, or a plural in -s/-es."""
    words_a, words_b = a.split(" "), b.split(" ")
    if len(words_a) != len(words_b):
        return False
    for x, y in zip(words_a, words_b, strict=True):
        x, y = sorted((x, y), key=len)
        shared = next((i for i, (p, q) in enumerate(zip(x, y, strict=False)) if p != q), len(x))
        if not (shared >= 4 and shared >= len(x) - 2) and y not in (x + "s", x + "es"):
            return False
    return True


def rank_terms(
    group: Counter[str], group_size: int, rest: Counter[str], rest_size: int, k: int = 8
) -> list[str]:
    """Up to k terms of `group` (document frequencies over `group_size` texts) most
    distinctive against `rest`. A bigram pushes out a word it contains when it covers at
    least half that word's texts ("lost luggage" rather than "lost", "luggage"); a word is
    skipped when a better one is another form of it (no "bag" after "bags")."""
    min_df = max(2, math.ceil(0.02 * group_size))
    scored = []
    for term, df in group.items():
        if df < min_df:
            continue
        p = df / group_size
        # Smoothed, so a term unseen outside the group scores high but finite.
        q = (rest[term] + 0.5) / (rest_size + 1) if rest_size else 1e-3
        if p > q:
            scored.append((-p * math.log(p / q), term))
    scored.sort()
    chosen: list[str] = []
    for _, term in scored:
        if len(chosen) == k:
            break
        if any(_same_stem(c, term) for c in chosen):
            continue
        words = term.split(" ")
        if len(words) == 1:
            if any(term in c.split(" ") and group[c] * 2 >= group[term] for c in chosen):
                continue
        else:
            chosen = [c for c in chosen if not (c in words and group[term] * 2 >= group[c])]
        chosen.append(term)
    return chosen


def label(top_terms: Sequence[str], n: int = 3) -> str:
    """A short name from the best terms: "lost luggage / baggage / claim"."""
    return " / ".join(top_terms[:n]) if top_terms else "(no distinctive terms)"
