"""Checks a composed answer against its evidence: plain code, no model (STYLE.md item 10).

Mention text is untrusted and the model may invent, so only what the answer claims is checked:
every citation must name a citable quote, and every number must be one the facts show.

Number rules (see tests/unit/test_verifier.py):
- Estimates are numbers like any other: where a fact carries a sentiment count's estimate
  allowing for the classifier's errors (``ask.facts.LabelEstimate``, said where it matters),
  its value, both interval bounds and the interval's level (90) are among the fact's numbers,
  so "about 520 (480–560)" passes and a bound the fact does not give is refused.
- Formatting is tolerated: thousands separators (``1,234``, ``1 234``, ``1.234``, NBSP/thin
  spaces), a decimal comma (``12,5``), ``%``, a trailing ``.0``, a ``k``/``M``/``тыс``/``млн``
  scale suffix, and signs (``+12``, ``−12``, "fell by 12" for a fact of -12: absolute values).
- A number written with N decimals matches a fact number that rounds to it at N decimals
  (58.2 matches 58.24). A number written without decimals must equal a fact number exactly:
  "58" does not match 58.2, because a whole number reads as a count and rounding small ones
  would let almost anything through (answer "3" against 2.6). A scale suffix means rounding.
- Not claims, so exempt: citations ``[123]``; dates whose day (and year, if written) appear in
  the facts' statements or typed fields (``2015-02-22``, ``Feb 22``, ``22 февраля``, a bare
  ``2015``);
  ordinal list markers (``1.`` at a line start); identifiers glued to letters (``A320``,
  ``COVID-19``, ``5G``, ``3rd``); URLs and @handles; numbers inside quotation marks
  (« » “ ” „ " ‘ ’) only when that number also occurs in a quote's text, so a quoted claim the
  mentions never made is still checked.
- Numbers written as words are checked like digits, in English and Russian: 0-20, the tens,
  "hundred"/"сто" and "thousand"/"million"/"тысяча"/"миллион" as multipliers ("twenty-one",
  "двенадцать тысяч"), and zero claims next to a count noun ("no complaints", "not a single
  review", "ни одной жалобы", "нет отзывов"). Not claims, so exempt: "one"/"один"/"одна" alone
  ("one customer wrote"), a scale word alone ("thousands"), and number words inside quotation
  marks that the quotes' texts also use.

Safety rules (the answer is shown to people whose clients may render markdown or HTML, and the
quotes it was written from are attacker-controlled; see tests/integration/test_injection.py):
- Always refused: markup (HTML tags, comments, ``on*=`` handlers, also when written as
  entities such as ``&lt;script&gt;``), markdown links, images, autolinks and link
  definitions, any link scheme other than http(s) (``javascript:``, ``data:``, ``mailto:``,
  ``tel:``, ``ftp://`` ...), invisible or direction-changing characters (bidi overrides and
  isolates, zero-width spaces), and « » that do not pair up (a quote left open or closed early).
- Refused unless the same text occurs in a citable quote's own text (or, for a brand named
  like a host, "Booking.com", in a fact's statement): http(s) URLs, ``www.`` hosts and bare
  domains, e-mail addresses, phone numbers (10+ digits, or 8+ after "+").
Like digits, a number word is checked against all facts' numbers, not the one it describes:
"zero complaints" passes when some fact is 0 (say "0 of them positive").
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from ask.facts import Evidence, FactBase
from ask.time_lexicon import PATTERNS, fold, month_of
from ask.untrusted import HTTP_SCHEMES, INVISIBLE, strip_invisible
from enrichment.language import LanguageDetector


@dataclass(frozen=True)
class Problem:
    # unknown_citation | unsupported_number | no_citation | wrong_language | empty | markup |
    # link | contact | hidden_text | quote_marks; the composer adds model_error when the model
    # could not be reached.
    kind: str
    detail: str


_CITATION = re.compile(r"\[\s*(\d+(?:\s*[,;]\s*\d+)*)\s*\]")
_BRACKETED = re.compile(r"\[([^\[\]\n]{1,40})\]")
_QUOTED = re.compile(r"«[^»]*»|“[^”]*”|„[^“”\n]*[“”]|‘[^’\n]*’|\"[^\"\n]*\"")
# A link ends before a closing quote mark: «… 45 minutes http://t.co/x» is still a quote.
_NOISE = re.compile(r"https?://[^\s«»“”\"]+|www\.[^\s«»“”\"]+|@\w+")
_LIST_MARKER = re.compile(r"(?m)^[ \t]*(?:[-*•][ \t]*)?\d{1,2}[.)](?=\s)")
# Digit runs joined by , . or a space before a 3-digit group; not glued to a preceding word.
_NUMBER = re.compile(
    r"(?<!\w)(?<!\w[.,])(?<![^\W\d_]-)"
    r"(?P<num>\d+(?:(?:[.,]|[ \u00a0\u202f\u2009](?=\d{3}(?!\d)))\d+)*)"
    r"(?P<suffix>[^\W\d_]*)(?:[ \u00a0](?P<scale>thousand|million|billion|тыс|млн|млрд)(?!\w))?"
)
_SCALE = {"k": 1e3, "K": 1e3, "тыс": 1e3, "thousand": 1e3, "M": 1e6, "млн": 1e6}
_SCALE |= {"million": 1e6, "bn": 1e9, "млрд": 1e9, "billion": 1e9}
_ORDINAL = {"st", "nd", "rd", "th"}
_DATE_KINDS = {"ymd", "mdy", "md", "year"}
_SPACES = " \u00a0\u202f\u2009"
_MIN_WORDS_FOR_LANGUAGE = 4


def verify(
    answer: str,
    evidence: Evidence,
    *,
    language: str | None = None,
    citable: set[int] | None = None,
    detector: LanguageDetector | None = None,
) -> list[Problem]:
    """Everything wrong with ``answer``; an empty list means it may be shown."""
    if not answer.strip():
        return [Problem("empty", "the answer is empty")]
    allowed_ids = evidence.quote_ids() if citable is None else citable
    problems = _citation_problems(answer, allowed_ids)
    problems += _number_problems(answer, evidence)
    # Links and contacts may repeat what the citable quotes wrote, or a name the facts show
    # ("Booking.com" as a brand); nothing else.
    sources = [q.text for q in evidence.quotes if q.id in allowed_ids]
    problems += _safety_problems(answer, sources, [f.statement for f in evidence.facts])
    if language:
        problems += _language_problems(answer, language, detector)
    return problems


def cited_ids(answer: str) -> list[int]:
    """Mention ids cited as ``[id]`` or ``[id, id]``, in order of first citation."""
    ids = (int(i) for m in _CITATION.finditer(answer) for i in re.split(r"[,;]", m[1]))
    return list(dict.fromkeys(ids))


def _citation_problems(answer: str, allowed: set[int]) -> list[Problem]:
    problems = [
        Problem("unknown_citation", f"[{i}] is not one of the quotes given")
        for i in cited_ids(answer)
        if i not in allowed
    ]
    # "[f1]" or "[#12]": an attempt at a citation that names no mention.
    problems.extend(
        Problem("unknown_citation", f"{m[0]} is not a mention id citation")
        for m in _BRACKETED.finditer(answer)
        if not _CITATION.fullmatch(m[0]) and re.search(r"\d", m[1])
    )
    if allowed and not _CITATION.search(answer):
        problems.append(Problem("no_citation", "no quote is cited; cite quotes as [id]"))
    return problems


def _number_problems(answer: str, evidence: Evidence) -> list[Problem]:
    allowed = {abs(n) for n in evidence.allowed_numbers()}
    quoted_numbers = {_digits(m["num"]) for q in evidence.quotes for m in _NUMBER.finditer(q.text)}
    # Read as a reader sees it: "ze\u2060ro" is "zero" (hidden characters are refused too).
    answer = strip_invisible(answer)
    text = _blank(answer, _CITATION.finditer(answer))
    text = _blank(text, _BRACKETED.finditer(text))
    text = _blank(text, _NOISE.finditer(text))
    text = _blank(text, _LIST_MARKER.finditer(text))
    text = _blank(text, _exempt_dates(text, evidence))
    quoted = [m.span() for m in _QUOTED.finditer(text)]
    problems: list[Problem] = []
    seen: set[str] = set()
    for m in _NUMBER.finditer(text):
        token, suffix = m["num"].strip(), m["suffix"] or m["scale"] or ""
        inside_quote = any(a <= m.start() < b for a, b in quoted)
        if _identifier_suffix(suffix):
            continue
        if inside_quote and _digits(token) in quoted_numbers:
            continue
        if _token_ok(token, _SCALE.get(suffix, 1.0), allowed) or token in seen:
            continue
        seen.add(token)
        problems.append(
            Problem("unsupported_number", f"{m[0].strip()} is not a number the facts show")
        )
    quoted_words = {w for q in evidence.quotes for w in _word_tokens(q.text)}
    for start, end, value, words in _word_numbers(text):
        inside_quote = any(a <= start < b for a, b in quoted)
        if inside_quote and set(words) <= quoted_words:
            continue
        phrase = " ".join(text[start:end].split())
        if any(abs(a - value) < 1e-9 for a in allowed) or phrase.lower() in seen:
            continue
        seen.add(phrase.lower())
        problems.append(
            Problem(
                "unsupported_number",
                f"{phrase} ({value:g}) is not a number the facts show; write numbers as the facts"
                " do",
            )
        )
    return problems


# --- numbers written as words ----------------------------------------------------------------

_EN_WORDS = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen"
).split()
_EN_TENS = "twenty thirty forty fifty sixty seventy eighty ninety".split()
_RU_SOFT = (  # the "-ь" numerals: nominative, then genitive/dative/prepositional "-и"
    "пять шесть семь восемь девять десять одиннадцать двенадцать тринадцать четырнадцать "
    "пятнадцать шестнадцать семнадцать восемнадцать девятнадцать двадцать тридцать"
).split()
_RU_SOFT_VALUES = [*range(5, 21), 30]


def _number_words() -> dict[str, float]:
    words: dict[str, float] = {w: float(i) for i, w in enumerate(_EN_WORDS)}
    words |= {w: float(20 + 10 * i) for i, w in enumerate(_EN_TENS)}
    words |= {"hundred": 100.0, "thousand": 1e3, "million": 1e6, "billion": 1e9}
    ru: dict[float, str] = {
        0: "ноль нуль ноля нуля нолю нулю нолем нулем",
        1: "один одна одно одного одной одному одним одну одном одною",
        2: "два две двух двум двумя",
        3: "три трех трем тремя",
        4: "четыре четырех четырем четырьмя",
        40: "сорок сорока",
        50: "пятьдесят пятидесяти пятьюдесятью",
        60: "шестьдесят шестидесяти шестьюдесятью",
        70: "семьдесят семидесяти семьюдесятью",
        80: "восемьдесят восьмидесяти восемьюдесятью",
        90: "девяносто девяноста",
        100: "сто ста",
        1e3: "тысяча тысячи тысяч тысячу тысячей тысячам тысячами",
        1e6: "миллион миллиона миллионов миллиону миллионом",
    }
    for value, forms in ru.items():
        words |= dict.fromkeys(forms.split(), float(value))
    for word, value in zip(_RU_SOFT, _RU_SOFT_VALUES, strict=True):
        stem = "восьм" if word == "восемь" else word[:-1]
        words[word] = words[stem + "и"] = float(value)
        # "семью" is also "family": left out rather than misread.
        if word != "семь":
            words[word[:-1] + "ью"] = float(value)
    return words


_NUMBER_WORDS = _number_words()
# Alone, these read as "a"/"a certain" more often than as a count: "one customer wrote".
_WEAK = {w for w, v in _NUMBER_WORDS.items() if v == 1}
_WORD = re.compile(r"[^\W\d_]+")
_JOIN = re.compile(r"[ \t\u00a0]*-?[ \t\u00a0]*")
# What Hark counts; "no problems with check-in" is a customer's words, not a count.
_COUNT_NOUN_EN = r"(?:complaint|mention|review|tweet|post|comment|message)s?"
_COUNT_NOUN_RU = r"(?:жалоб|упоминани|отзыв|твит|пост|комментари|сообщени)\w*"
_ADJ = r"(?:[^\W\d_]+\s+)?"  # one word between: "no negative mentions"
_ZERO_CLAIM = re.compile(
    rf"(?<![\w-])(?:no|not\s+(?:a\s+single|one)|none\s+of\s+the)\s+{_ADJ}{_COUNT_NOUN_EN}\b"
    rf"|(?<!\w)ни\s+(?:одной|одного|одну|единой|единого)\s+{_ADJ}{_COUNT_NOUN_RU}"
    rf"|(?<!\w)нет\s+{_ADJ}{_COUNT_NOUN_RU}",
    re.IGNORECASE,
)


def _fold_word(word: str) -> str:
    return word.lower().replace("ё", "е")


def _word_tokens(text: str) -> set[str]:
    return {_fold_word(m[0]) for m in _WORD.finditer(strip_invisible(text))}


def _word_numbers(text: str) -> Iterator[tuple[int, int, float, list[str]]]:
    """(start, end, value, words) for each number written in words, and each zero claim.

    Adjacent number words join when they compose ("twenty-one", "двадцать одна", "twelve
    thousand"); "two three" is two numbers. A lone "one" or a lone scale word is skipped.
    """
    tokens = [(m.start(), m.end(), _fold_word(m[0])) for m in _WORD.finditer(text)]
    i = 0
    while i < len(tokens):
        if tokens[i][2] not in _NUMBER_WORDS:
            i += 1
            continue
        total, current, last = 0.0, 0.0, ""
        j = i
        while j < len(tokens) and tokens[j][2] in _NUMBER_WORDS:
            value = _NUMBER_WORDS[tokens[j][2]]
            kind = "scale" if value >= 100 else "ten" if value >= 20 else "unit"
            if j > i and not (
                _JOIN.fullmatch(text[tokens[j - 1][1] : tokens[j][0]])
                and (
                    (last == "ten" and kind == "unit" and value > 0)
                    or (last != "scale" and kind == "scale")
                    or (last == "scale" and kind != "scale")
                )
            ):
                break
            if value == 100:
                current = (current or 1) * 100
            elif kind == "scale":
                total, current = total + (current or 1) * value, 0.0
            else:
                current += value
            last = kind
            j += 1
        words = [t[2] for t in tokens[i:j]]
        lone = len(words) == 1 and (words[0] in _WEAK or _NUMBER_WORDS[words[0]] >= 1e3)
        if not lone and not all(_NUMBER_WORDS[w] >= 1e3 for w in words):
            yield tokens[i][0], tokens[j - 1][1], total + current, words
        i = j
    for m in _ZERO_CLAIM.finditer(text):
        yield m.start(), m.end(), 0.0, [_fold_word(w) for w in _WORD.findall(m[0])]


# --- markup, links and contacts ---------------------------------------------------------------

# A tag as a browser reads one: "<" then a name (or "/", "!", "?") then a space, "/" or ">".
_TAG = re.compile(r"</?[a-z][a-z0-9:-]*(?=[\s/>])|<[!?]", re.IGNORECASE)
_HANDLER = re.compile(r"(?<![\w-])on[a-z]{3,}\s*=", re.IGNORECASE)
# "[text](" opens an inline link or image whatever follows (destinations may nest parens);
# "[ref]: x" at a line start defines a reference link.
_MD_LINK = re.compile(r"!?\[[^\[\]\n]*\]\(|^[ \t]*\[[^\]\n]+\]:[ \t]*\S", re.M)
_AUTOLINK = re.compile(r"<[a-z][a-z0-9+.-]{1,31}:[^\s<>]*>", re.IGNORECASE)
# "scheme://" of any kind, and the schemes that work without "//".
_SCHEME = re.compile(
    r"(?<![\w+.-])([a-z][a-z0-9+.-]{1,31})\s*:\s*//"
    r"|(?<![\w+.-])((?:java|vb|live)script)\s*:"
    r"|(?<![\w+.-])(data)\s*:\s*[\w.+-]+/"  # "data:text/html,...", not "Data: ..."
    r"|(?<![\w+.-])(mailto|tel|sms|file|blob|intent)\s*:(?=[^\s\d])",
    re.IGNORECASE,
)
_URL = re.compile(r"(?:https?://|www\.)[^\s<>()\[\]\"'«»“”]+", re.IGNORECASE)
_EMAIL = re.compile(r"[\w.+-]+@(?:[^\W_][\w-]*\.)+[^\W\d_]{2,}")
# A host with a common top-level domain ("evil.example", "bit.ly/x"). The TLD must be written
# in lower case, so "flights.Me" (a missing space) is not read as a host.
_DOMAIN = re.compile(
    r"(?<![\w@.-])(?:[^\W_](?:[\w-]{0,61}[^\W_])?\.)+"
    r"(?:com|net|org|info|biz|io|co|me|ly|gl|to|cc|tv|app|dev|xyz|top|site|online|shop|club"
    r"|link|click|live|pro|ru|su|рф|uk|us|de|fr|kz|by|ua|uz|eu|example|test|invalid|local)"
    r"(?![\w-])(?:/[^\s<>()\[\]\"'«»“”]*)?"
)
_PHONE = re.compile(
    r"(?<![\w.,+-])(?:\+\s?)?(?:\(\d{1,5}\)[\s.-]?)?\d{1,4}(?:[\s.-]?\(?\d{2,4}\)?){2,5}(?!\w)"
)
_TRAILING = ".,;:!?)»”'\""


def _safety_problems(answer: str, quote_texts: list[str], fact_texts: list[str]) -> list[Problem]:
    """Markup, links, contacts, hidden characters and broken quote marks (module docstring)."""
    problems: list[Problem] = []
    hidden = sorted({f"U+{ord(c):04X}" for c in INVISIBLE.findall(answer)})
    if hidden:
        problems.append(
            Problem(
                "hidden_text", f"invisible or direction-changing characters: {', '.join(hidden)}"
            )
        )
    # What a renderer may end up reading: entities decoded (sources double-escape, so twice)
    # and hidden characters gone, so "&lt;script&gt;" and "java\u2060script:" are seen.
    seen = strip_invisible(html.unescape(html.unescape(answer)))
    found: dict[str, str] = {}  # detail -> kind, in order, each once

    def add(kind: str, detail: str) -> None:
        found.setdefault(detail, kind)

    for m in _TAG.finditer(seen):
        add("markup", f"{m[0].strip()!r} is markup; write plain text")
    for m in _HANDLER.finditer(seen):
        add("markup", f"{m[0].strip()!r} is an event handler; write plain text")
    for m in _MD_LINK.finditer(seen):
        add("link", f"{m[0].strip()[:40]!r}... is a markdown link or image; write no links")
    for m in _AUTOLINK.finditer(seen):
        add("link", f"{m[0][:60]!r} is a link; write no links")
    for m in _SCHEME.finditer(seen):
        scheme = next(g for g in m.groups() if g).lower()
        if scheme not in HTTP_SCHEMES:
            add("link", f"a {scheme}: link is never allowed")
    depth = 0
    for c in seen:
        depth += {"«": 1, "»": -1}.get(c, 0)
        if depth < 0:
            break
    if depth != 0:
        add("quote_marks", "« and » do not pair up")
    quoted = strip_invisible(" ".join([*quote_texts, *fact_texts])).lower()
    quoted_digits = [re.sub(r"\D", "", t) for t in quote_texts]
    text = seen
    for pattern, kind, what in (
        (_URL, "link", "a link"),
        (_EMAIL, "contact", "an e-mail address"),
        (_DOMAIN, "link", "a web address"),
    ):
        for m in pattern.finditer(text):
            token = m[0].rstrip(_TRAILING)
            if token.lower() not in quoted:
                add(kind, f"{token[:80]} is {what} no quote contains; write no links or contacts")
        text = _blank(text, pattern.finditer(text))
    text = _blank(text, (span for span, _, _ in _date_parts(text)))
    for m in _PHONE.finditer(text):
        digits = re.sub(r"\D", "", m[0])
        if len(digits) < (8 if m[0].startswith("+") else 10):
            continue
        if not any(digits in q for q in quoted_digits):
            add("contact", f"{m[0].strip()} looks like a phone number no quote contains")
    problems += [Problem(kind, detail) for detail, kind in found.items()]
    return problems


def _identifier_suffix(suffix: str) -> bool:
    """ "3rd", "5G", "3D": a rank or a name, not an amount ("5k", "12pp" and "24h" are)."""
    return suffix in _ORDINAL or (suffix[:1].isupper() and suffix not in _SCALE)


def _token_ok(token: str, scale: float, allowed: set[float]) -> bool:
    parts = re.split(f"[{_SPACES}]", token)
    if len(parts) > 1:  # "1 234" is one number, or two ("between 2 100 ...") that both match
        return _plain_ok("".join(parts), scale, allowed) or all(
            _plain_ok(p, scale, allowed) for p in parts
        )
    return _plain_ok(token, scale, allowed) or (
        "," in token and all(_plain_ok(p, scale, allowed) for p in token.split(","))
    )


def _plain_ok(token: str, scale: float, allowed: set[float]) -> bool:
    for value, decimals in _readings(token):
        shown = value * scale
        if decimals == 0 and scale == 1.0:
            if any(abs(a - shown) < 1e-9 for a in allowed):
                return True
        else:
            half_step = 0.5 * scale * 10.0**-decimals + 1e-9
            if any(abs(a - shown) <= half_step for a in allowed):
                return True
    return False


def _readings(token: str) -> list[tuple[float, int]]:
    """(value, decimals shown) for each way the separators in ``token`` can be read."""
    seps = [c for c in token if c in ",."]
    if not seps:
        return [(float(int(token)), 0)]
    if len(set(seps)) == 2:  # "1,234.5" / "1.234,5": the last separator is the decimal one
        last = max(token.rfind(","), token.rfind("."))
        whole = re.sub(r"[.,]", "", token[:last])
        return [(float(f"{whole}.{token[last + 1 :]}"), len(token) - last - 1)]
    if len(seps) > 1:  # "1,234,567"
        return [(float(re.sub(r"[.,]", "", token)), 0)]
    whole, frac = re.split(r"[.,]", token)
    readings = [(float(f"{whole}.{frac}"), len(frac))]
    if len(frac) == 3:  # "1,234" in English, "1.234" in German: both readings stand
        readings.append((float(whole + frac), 0))
    return readings


def _digits(token: str) -> str:
    return re.sub(r"\D", "", token)


def _blank(text: str, spans: Iterable[Any]) -> str:
    """``text`` with each span (a match or a (start, end) pair) replaced by spaces."""
    chars = list(text)
    for span in spans:
        start, end = span.span() if isinstance(span, re.Match) else span
        chars[start:end] = " " * (end - start)
    return "".join(chars)


_Atoms = set[tuple[int, ...]]


def _date_parts(text: str) -> list[tuple[tuple[int, int], _Atoms, _Atoms]]:
    """Date expressions in ``text``, longest first: (span, what it names, what it must match).

    What a date names are atoms: (year,), (month, 0) and (month, day). A date with a day must
    match on the day ("Feb 23" is not "Feb 22"); one without, on the month.
    """
    folded = fold(text)
    found = [m for kind, p in PATTERNS if kind in _DATE_KINDS for m in p.finditer(folded)]
    found.sort(key=lambda m: (m.start(), -(m.end() - m.start())))
    out: list[tuple[tuple[int, int], _Atoms, _Atoms]] = []
    end = -1
    for m in found:
        if m.start() < end or not re.search(r"\d", m[0]):
            continue
        end = m.end()
        g = {k: v for k, v in m.groupdict().items() if v}
        years = {(int(g[k]),) for k in ("y", "y2") if k in g}
        months = {_month(g[k]) for k in ("m", "m2") if k in g}
        days = {(month, int(g[k])) for month in months for k in ("d", "d2") if k in g}
        whole_months = {(month, 0) for month in months}
        out.append((m.span(), years | whole_months | days, years | (days or whole_months)))
    return out


def _month(word: str) -> int:
    return int(word) if word.isdigit() else month_of(word)[0]


def _exempt_dates(text: str, evidence: Evidence) -> list[tuple[int, int]]:
    """Spans of the dates in ``text`` that the facts' statements or typed fields name (a
    window's bounds, a peak's or a spike's day, a series' buckets)."""
    sources = [f.statement for f in evidence.facts]
    sources += [v for f in evidence.facts for v in _strings(_fields(f))]
    named = {atom for src in sources for _, atoms, _ in _date_parts(src) for atom in atoms}
    return [span for span, _, needs in _date_parts(text) if needs <= named]


def _fields(fact: FactBase) -> dict[str, Any]:
    """A fact's own values as JSON (dates as ISO strings); what it derives (statement,
    numbers) and what only links it (id, citations) are left out."""
    return fact.model_dump(mode="json", exclude={"id", "citations", "statement", "numbers"})


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list | tuple):
        return [s for v in value for s in _strings(v)]
    return [str(value)] if hasattr(value, "isoformat") else []  # dates and datetimes


@lru_cache(maxsize=4)
def default_detector(languages: tuple[str, ...]) -> LanguageDetector:
    """One detector per candidate set: building lingua's models takes seconds."""
    return LanguageDetector(languages)


def _language_problems(
    answer: str, language: str, detector: LanguageDetector | None
) -> list[Problem]:
    if detector is None:
        from hark.settings import get_settings

        detector = default_detector(tuple(get_settings().languages))
    if language.lower() not in detector.languages:
        return []  # a language detection cannot name cannot be checked
    prose = _blank(answer, _CITATION.finditer(answer))
    prose = _blank(prose, _QUOTED.finditer(prose))
    if len(re.findall(r"[^\W\d_]{2,}", prose)) < _MIN_WORDS_FOR_LANGUAGE:
        return []  # too few words to tell
    found = detector.detect(prose)
    if found is None or found == language.lower():
        return []
    return [Problem("wrong_language", f"the answer reads as {found!r}, not {language!r}")]
