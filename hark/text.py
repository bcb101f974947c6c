"""Text normalisation every layer shares: folding words for comparison, ids from names, and the
patterns that find links and @handles in social text.

There are two folds and two slugs because their callers need different things, and stored
data (topic ids, entity ids, dedup keys) depends on each staying exactly as it is:

- ``fold``: the form words are compared in (search tokens, stop words, cluster terms). Lossy:
  marks are dropped and NFKC may change the length, so offsets do not survive it.
- ``fold_keeping_offsets``: one character for one, so a match in the folded text is at the same
  offsets in the original (time expressions inside a question).
- ``slug``: a topic id. Keeps every Unicode letter and digit ("доставка_курьеры"), "_" between
  words, at most 128 characters (the column's width).
- ``ascii_slug``: an entity id. Latin letters and digits only (Cyrillic is transliterated first,
  other scripts drop out), "-" between words; "" when nothing Latin or Cyrillic is left.

Nothing here imports from Hark's other packages: this is the core.
"""

from __future__ import annotations

import re
import unicodedata

# --- folding words ------------------------------------------------------------------------

# Combining marks (Arabic harakat, stress marks) and tatweel go; apostrophe look-alikes become
# one apostrophe; ё becomes е (Russian writes both for one word). A translate table is C-fast.
_FOLD_TABLE: dict[int, str | None] = {
    cp: None for cp in range(0x300, 0x10000) if unicodedata.category(chr(cp)) == "Mn"
}
_FOLD_TABLE |= {0x0640: None, 0x2019: "'", 0x02BC: "'", 0x2018: "'", 0x60: "'", ord("ё"): "е"}


def fold(word: str) -> str:
    """The form words are compared in: NFKC (Arabic presentation forms to letters), casefold,
    no combining marks (Arabic harakat) or tatweel, one apostrophe, ё as е (Russian writes
    both for one word). May change the length: use ``fold_keeping_offsets`` where offsets
    must stay valid."""
    return unicodedata.normalize("NFKC", word).casefold().translate(_FOLD_TABLE)


_EASTERN_DIGITS = {base + i: str(i) for base in (0x0660, 0x06F0) for i in range(10)}  # ar, fa
# Spelling variants people type for one letter (ё/е, the Arabic alefs, Arabic/Persian ye and
# kaf, ta marbuta) and the tatweel and ZWNJ that only shape a word; each maps to one character.
# The alefs with hamza or madda fold to Cyrillic "а" (U+0430), not to the bare alef "ا": both
# sides of a match fold alike, so it works for the words the time tables spell with hamza, but a
# question typing a bare alef where a table has "أ" does not match. Kept as it is: changing it
# changes which questions' dates are understood.
_SAME_LENGTH_TABLE = str.maketrans("ёأإآٱيىئكؤةـ\u200c", "еааааیییکوه  ") | _EASTERN_DIGITS


def fold_keeping_offsets(text: str) -> str:
    """Lower-case and fold spelling variants, one character for one, so offsets of a match in
    the result are offsets in ``text`` (characters whose lower case is longer, like "İ", are
    kept as they are)."""
    lowered = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
    return lowered.translate(_SAME_LENGTH_TABLE)


# --- Latin transliteration ----------------------------------------------------------------

# Letters with a breve or diaeresis (й ё ї ў) never reach this table: decomposing and dropping
# combining marks turns them into и е і у first, which is the spelling variation people use.
_CYRILLIC = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ж": "zh", "з": "z",
    "и": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh",
    "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya",
    "є": "ye", "і": "i", "ґ": "g",  # Ukrainian (ї is і with a mark)
    "ә": "a", "ғ": "g", "қ": "q", "ң": "ng", "ө": "o", "ұ": "u", "ү": "u", "һ": "h",  # Kazakh
}  # fmt: skip
# Arabic-script letters people type interchangeably (Persian ye/kaf, alef maqsura, ta marbuta),
# and the tatweel that only stretches a word.
_ARABIC = {"ى": "ي", "ی": "ي", "ک": "ك", "ة": "ه", "ـ": ""}
_LATIN_TABLE = str.maketrans({**_CYRILLIC, **_ARABIC})


def _unmarked(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def to_latin(text: str) -> str:
    """Readable lowercase Latin: "Альфа-Банк" → "alfa-bank", "Қазақ" → "qazaq". Arabic script
    stays Arabic, with its interchangeable letters made one."""
    return _unmarked(text).translate(_LATIN_TABLE)


# --- ids from names -----------------------------------------------------------------------

_NOT_WORD = re.compile(r"[^\w]+")
_NOT_ASCII_ALNUM = re.compile(r"[^a-z0-9]+")
SLUG_MAX = 128


def slug(name: str) -> str:
    """A topic id from a name: NFKC, casefolded, runs of non-word characters as "_", at most
    SLUG_MAX characters; Unicode letters stay ("Доставка / курьеры" → "доставка_курьеры")."""
    text = unicodedata.normalize("NFKC", name).casefold()
    return _NOT_WORD.sub("_", text).strip("_")[:SLUG_MAX]


def ascii_slug(name: str) -> str:
    """An entity id from a name: Latin letters and digits joined by "-" ("Bank of Moscow" →
    "bank-of-moscow", "Сбербанк" → "sberbank"); "" when the name has no Latin or Cyrillic
    letters or digits."""
    return _NOT_ASCII_ALNUM.sub("-", to_latin(name)).strip("-")


# --- links and handles in social text ------------------------------------------------------

# The text of a link: a scheme, or a bare "www.", up to the next whitespace.
URL_PATTERN = r"https?://\S+|www\.\S+"
# A link in any case ("HTTP://", "WWW."): what dedup keys, noise flags and language detection
# ignore.
URL = re.compile(URL_PATTERN, re.IGNORECASE)
# Lower-case links only: what BM25 tokens have always had removed. An upper-case "WWW.X" stays
# text there, so widening it would change search scores on stored data.
LOWERCASE_URL = re.compile(URL_PATTERN)

# "@" and a name. As a pattern piece it also matches inside an e-mail ("a@b.com" → "@b"),
# which is what language detection has always stripped.
HANDLE_PATTERN = r"@\w+"
# An @handle that starts a word: "@united", not the "@b" of "a@b.com".
HANDLE = re.compile(r"(?<!\w)" + HANDLE_PATTERN)
# The name of an @handle (group 1) that starts a word and follows no other "@": "@@united"
# names no account. Used to tell which account a post addresses.
HANDLE_NAME = re.compile(r"(?<![\w@])@(\w+)")
