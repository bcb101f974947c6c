"""Checks a composed answer against its evidence: plain code, no model (STYLE.md item 10).

Mention text is untrusted and the model may invent, so only what the answer claims is checked:
every citation must name a citable quote, and every number must be one the facts show.

Number rules (see tests/unit/test_verifier.py):
- Formatting is tolerated: thousands separators (``1,234``, ``1 234``, ``1.234``, NBSP/thin
  spaces), a decimal comma (``12,5``), ``%``, a trailing ``.0``, a ``k``/``M``/``тыс``/``млн``
  scale suffix, and signs (``+12``, ``−12``, "fell by 12" for a fact of -12: absolute values).
- A number written with N decimals matches a fact number that rounds to it at N decimals
  (58.2 matches 58.24). A number written without decimals must equal a fact number exactly:
  "58" does not match 58.2, because a whole number reads as a count and rounding small ones
  would let almost anything through (answer "3" against 2.6). A scale suffix means rounding.
- Not claims, so exempt: citations ``[123]``; dates whose day (and year, if written) appear in
  the facts' statements or data (``2015-02-22``, ``Feb 22``, ``22 февраля``, a bare ``2015``);
  ordinal list markers (``1.`` at a line start); identifiers glued to letters (``A320``,
  ``COVID-19``, ``5G``, ``3rd``); URLs and @handles; numbers inside quotation marks
  (« » “ ” „ " ‘ ’) only when that number also occurs in a quote's text, so a quoted claim the
  mentions never made is still checked.
- Numbers written as words ("twelve") are not checked.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from ask.facts import Evidence
from ask.time_lexicon import PATTERNS, fold, month_of
from enrichment.language import LanguageDetector


@dataclass(frozen=True)
class Problem:
    # unknown_citation | unsupported_number | no_citation | wrong_language | empty; the
    # composer adds model_error when the model could not be reached.
    kind: str
    detail: str


_CITATION = re.compile(r"\[\s*(\d+(?:\s*[,;]\s*\d+)*)\s*\]")
_BRACKETED = re.compile(r"\[([^\[\]\n]{1,40})\]")
_QUOTED = re.compile(r"«[^»]*»|“[^”]*”|„[^“”\n]*[“”]|‘[^’\n]*’|\"[^\"\n]*\"")
_NOISE = re.compile(r"https?://\S+|www\.\S+|@\w+")
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
    """Spans of the dates in ``text`` that the facts' statements or data name."""
    sources = [f.statement for f in evidence.facts]
    sources += [v for f in evidence.facts for v in _strings(f.data)]
    named = {atom for src in sources for _, atoms, _ in _date_parts(src) for atom in atoms}
    return [span for span, _, needs in _date_parts(text) if needs <= named]


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
