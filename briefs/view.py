"""What the HTML page and the e-mail of a brief both show, before either chooses its markup:
the words (with English for any the reader's phrase file lacks yet), the key figures as card
texts, the sections' Markdown read into lines, and the quotes by id.

Nothing here escapes or formats markup; every string returned is plain text that the
renderers escape. Nothing is computed either: every number is the brief's own."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from functools import cache
from typing import Any, Literal
from zoneinfo import ZoneInfo

from ask.facts import KpiFact, Quote
from ask.phrasing import day_text, phrases, raw, raw_signed
from briefs.model import Brief

RTL_LANGUAGES = frozenset({"ar", "fa", "he", "ur"})
# Key figures where a rise is bad news (shown red) and where it is good news (green).
WORSE_WHEN_UP = frozenset({"negative", "negative_share"})
BETTER_WHEN_UP = frozenset({"positive_share", "rating", "nps"})


@cache
def words(language: str) -> dict[str, Any]:
    """The ``[brief]`` phrases of ``language``, with English filling every key its file does
    not have yet (translations land table by table)."""
    english = phrases("en")["brief"]
    return _merged(english, phrases(language).get("brief", {}))


def _merged(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            out[key] = _merged(base[key], value)
        else:
            out[key] = value
    return out


def word(language: str, *path: str) -> str:
    """One phrase by its path under ``[brief]`` ("chart", "volume")."""
    node: Any = words(language)
    for key in path:
        node = node[key]
    return str(node)


def is_rtl(language: str) -> bool:
    return language.split("-")[0].lower() in RTL_LANGUAGES


def direction(language: str) -> Literal["rtl", "ltr"]:
    return "rtl" if is_rtl(language) else "ltr"


def number(value: float, language: str) -> str:
    """A number as the brief's statements show it (counts stored as floats are whole)."""
    return raw(int(value) if float(value).is_integer() else value, language)


def zone(brief: Brief) -> tzinfo:
    try:
        return ZoneInfo(brief.timezone)
    except (ValueError, LookupError):  # a zone this machine's tzdata does not know
        return ZoneInfo("UTC")


def period_start_day(brief: Brief) -> date:
    """The first day of the brief's period in its own time zone: the series' days before it
    are the previous period's."""
    return brief.period.start.astimezone(zone(brief)).date()


def when(moment: datetime | None, brief: Brief) -> str:
    if moment is None:
        return ""
    return day_text(moment.astimezone(zone(brief)), brief.language)


def period_line(brief: Brief) -> str:
    p = words(brief.language)
    return (
        str(p["title"]).format(period=brief.period.label)
        + " · "
        + str(p["compared"]).format(previous=brief.previous.label)
    )


# -- key figures ---------------------------------------------------------------------------


@dataclass(frozen=True)
class KpiCard:
    key: str
    label: str  # "Mentions"
    value: str  # "767", "70.9%"
    detail: str  # "previous period 337, +127.6%"
    baseline: str  # "337 per period over the longer baseline", or ""
    trend: Literal["up", "down", "flat", ""]
    tone: Literal["good", "bad", "neutral"]
    # ("beyond" | "within" | "label-error", its words): the chance test, the labels' error
    marks: list[tuple[str, str]] = field(default_factory=list)


def kpi_cards(brief: Brief) -> list[KpiCard]:
    return [_card(k, brief.language) for k in brief.kpis if k.current is not None]


def _card(k: KpiFact, language: str) -> KpiCard:
    p = words(language)["kpi"]
    assert k.current is not None
    values = {
        "current": number(k.current, language),
        "previous": "" if k.previous is None else number(k.previous, language),
        "change": "" if k.change is None else raw_signed(k.change, language),
        "baseline": "" if k.baseline is None else number(k.baseline, language),
    }
    only = str(p[f"{k.key}_only"])
    label, value = _label_and_value(only, values["current"])
    short = only.format(**values)
    full = str(p[k.key]).format(**values) if k.previous is not None else short
    # The card shows the label and value big; the rest of the key figure's own sentence
    # (previous value, change and its unit, in the reader's words) goes under them.
    detail = full[len(short) :] if full.startswith(short) else full
    marks = []
    if k.significant is not None:
        chance = "beyond" if k.significant else "within"
        marks.append((chance, _clause(p["significant" if k.significant else "noise"])))
    if k.within_label_error:
        marks.append(("label-error", _clause(p["label_error"])))
    return KpiCard(
        key=k.key,
        label=label,
        value=value,
        detail=detail.strip(" ()"),
        baseline="" if k.baseline is None else _clause(str(p["baseline"]).format(**values)),
        trend=_trend(k.change),
        tone=_tone(k),
        marks=marks,
    )


def _label_and_value(template: str, current: str) -> tuple[str, str]:
    """ "Mentions: {current}" gives ("Mentions", "767"); "Negative share: {current}%" gives
    ("Negative share", "70.9%"). A language that puts the number first keeps the words
    after it as the label."""
    before, _, after = template.partition("{current}")
    label = before.strip().rstrip(":：").strip()
    unit = after[:1] if after[:1] in {"%", "٪"} else ""
    if not label:
        label = after[len(unit) :].strip(" :")
    return label, current + unit


def _clause(text: Any) -> str:
    """ "; beyond chance" as a mark on its own: "beyond chance"."""
    return re.sub(r"^[\W_]+", "", str(text)).strip()


def _trend(change: float | None) -> Literal["up", "down", "flat", ""]:
    if change is None:
        return ""
    return "up" if change > 0 else "down" if change < 0 else "flat"


def _tone(k: KpiFact) -> Literal["good", "bad", "neutral"]:
    if not k.change or not k.significant:
        return "neutral"
    up = k.change > 0
    if k.key in WORSE_WHEN_UP:
        return "bad" if up else "good"
    if k.key in BETTER_WHEN_UP:
        return "good" if up else "bad"
    return "neutral"


# -- the sections' Markdown ----------------------------------------------------------------

# The template composer writes a few shapes only: plain lines, "- " bullets, and quote lines
# indented under a bullet ("  «text» [123]"); citations are "[123]" in ASCII brackets (inert
# text has its brackets replaced by look-alikes, so a quote cannot fake one).
_CITES_AT_END = re.compile(r"(?:\s*\[\d+\])+\s*$")
_CITE = re.compile(r"\[(\d+)\]")


@dataclass(frozen=True)
class Line:
    kind: Literal["text", "bullet", "quote"]
    text: str  # without its bullet, indent or trailing citations
    cites: list[int]  # the citations that ended the line


def section_lines(text: str) -> list[Line]:
    out: list[Line] = []
    for raw_line in text.splitlines():
        if not raw_line.strip():
            continue
        body = raw_line.strip()
        if raw_line[:1].isspace():
            kind: Literal["text", "bullet", "quote"] = "quote"
        elif body.startswith(("- ", "* ")):
            kind, body = "bullet", body[2:].strip()
        else:
            kind = "text"
        tail = _CITES_AT_END.search(body)
        cites: list[int] = []
        if tail and tail.start() > 0:  # a line of citations only keeps them as its text
            cites = [int(i) for i in _CITE.findall(tail.group(0))]
            body = body[: tail.start()].rstrip()
        out.append(Line(kind, body, cites))
    return out


def split_citations(text: str) -> list[str | int]:
    """A composer's line cut into text and the citations in it: ["see ", 1440, ""]."""
    parts: list[str | int] = []
    for i, piece in enumerate(_CITE.split(text)):
        parts.append(int(piece) if i % 2 else piece)
    return parts


def quotes_by_id(brief: Brief) -> dict[int, Quote]:
    return {q.id: q for q in brief.quotes}


@dataclass(frozen=True)
class Item:
    line: Line
    quotes: list[Line]  # the quote lines indented under it


@dataclass(frozen=True)
class Block:
    kind: Literal["p", "ul"]
    items: list[Item]


def section_blocks(text: str) -> list[Block]:
    """A section's lines as paragraphs and bullet lists, each quote line under the line it
    illustrates (a quote before any line stands as a paragraph of its own)."""
    blocks: list[Block] = []
    for line in section_lines(text):
        if line.kind == "quote" and blocks:
            blocks[-1].items[-1].quotes.append(line)
        elif line.kind == "bullet" and blocks and blocks[-1].kind == "ul":
            blocks[-1].items.append(Item(line, []))
        elif line.kind == "quote":
            blocks.append(Block("p", [Item(Line("text", "", []), [line])]))
        else:
            blocks.append(Block("ul" if line.kind == "bullet" else "p", [Item(line, [])]))
    return blocks
