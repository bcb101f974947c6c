"""The data behind a brief's three charts, shared by the page (SVG) and the e-mail (table
bars): mentions and sentiment per day, the topics behind the negative change, and the brands
side by side. Each row carries its own numbers and the fraction of its chart's scale that its
bars fill, so both renderers draw the same thing and neither computes anything."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from babel import Locale
from babel.dates import format_skeleton

from ask.facts import DriverFact, VoiceFact
from ask.phrasing import day_text
from briefs.model import Brief
from briefs.view import period_start_day

# More rows than this make a chart too long to read on a phone; the section text lists all.
MAX_TOPICS = 8
MAX_BRANDS = 10
# Arabic-Indic and Persian digits, as CLDR writes dates in ar and fa: the rest of the brief
# writes Latin digits, and a chart mixing both reads badly.
_LATIN_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")


@dataclass(frozen=True)
class DayBar:
    day: date
    label: str  # "Feb 22": short, under the bar
    long: str  # "22 February 2015": in the bar's text alternative
    total: int
    negative: int
    neutral: int
    positive: int
    current: bool  # this period's day (else the previous period's)
    height: float  # total / the busiest day's total

    def shares(self) -> tuple[float, float, float]:
        """Negative, neutral and positive as fractions of the day's mentions."""
        if self.total <= 0:
            return 0.0, 0.0, 0.0
        return self.negative / self.total, self.neutral / self.total, self.positive / self.total

    def negative_percent(self) -> int:
        return round(100 * self.negative / self.total) if self.total > 0 else 0


@dataclass(frozen=True)
class TopicRow:
    name: str
    current: int
    baseline: int
    delta: int
    significant: bool
    current_width: float  # of the largest count in the chart
    baseline_width: float


@dataclass(frozen=True)
class BrandRow:
    name: str
    focus: bool
    share: float  # share of voice, percent
    previous_share: float
    negative_share: float  # percent of its own mentions
    previous_negative_share: float
    significant: bool
    share_width: float  # of the largest share of voice in the chart
    previous_share_width: float
    negative_width: float  # of 100%
    previous_negative_width: float


def day_bars(brief: Brief) -> list[DayBar]:
    first = period_start_day(brief)
    top = max((p.total for p in brief.series), default=0)
    return [
        DayBar(
            day=p.day,
            label=short_day(p.day, brief.language),
            long=day_text(p.day, brief.language),
            total=p.total,
            negative=p.negative,
            neutral=p.neutral,
            positive=p.positive,
            current=p.day >= first,
            height=_fraction(p.total, top),
        )
        for p in sorted(brief.series, key=lambda p: p.day)
    ]


def topic_rows(brief: Brief) -> list[TopicRow]:
    """The topics behind the negative change (the "rising" section's topic drivers), in
    the section's order."""
    section = brief.section("rising")
    facts = [
        f
        for f in (section.facts if section else [])
        if isinstance(f, DriverFact) and f.dimension == "topic"
    ][:MAX_TOPICS]
    top = max((max(f.current, f.baseline) for f in facts), default=0)
    return [
        TopicRow(
            name=f.name,
            current=f.current,
            baseline=f.baseline,
            delta=f.delta,
            significant=f.significant,
            current_width=_fraction(f.current, top),
            baseline_width=_fraction(f.baseline, top),
        )
        for f in facts
    ]


def brand_rows(brief: Brief) -> list[BrandRow]:
    section = brief.section("brands")
    facts = [f for f in (section.facts if section else []) if isinstance(f, VoiceFact)]
    # The brand the brief is for leads, whatever its size.
    facts = sorted(facts, key=lambda f: not f.focus)[:MAX_BRANDS]
    top = max((max(f.share, f.previous_share) for f in facts), default=0.0)
    return [
        BrandRow(
            name=f.name,
            focus=f.focus,
            share=f.share,
            previous_share=f.previous_share,
            negative_share=f.negative_share,
            previous_negative_share=f.previous_negative_share,
            significant=f.significant,
            share_width=_fraction(f.share, top),
            previous_share_width=_fraction(f.previous_share, top),
            negative_width=_fraction(f.negative_share, 100.0),
            previous_negative_width=_fraction(f.previous_negative_share, 100.0),
        )
        for f in facts
    ]


def short_day(day: date, language: str) -> str:
    """ "Feb 22", "22 февр.": a day short enough to sit under a bar."""
    try:
        text = format_skeleton("MMMd", day, locale=Locale.parse(language))
    except (ValueError, LookupError):  # a language babel has no data for
        return f"{day:%m-%d}"
    return text.replace("\u202f", " ").replace("\xa0", " ").translate(_LATIN_DIGITS)


def _fraction(value: float, top: float) -> float:
    if top <= 0 or value <= 0:
        return 0.0
    return min(1.0, value / top)
