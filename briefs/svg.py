"""A brief's charts as inline SVG for its HTML page: drawn here from briefs/charts.py's rows,
so the page needs no script, font or image from anywhere.

Each chart is a ``<figure>``: its caption is the chart's title, the SVG has ``role="img"``
with a ``<title>`` and a ``<desc>`` that reads every number out, and the numbers are also
drawn as labels. Geometry is laid out left to right and mirrored for a right-to-left page;
the text anchors stay as they are because SVG reads ``start``/``end`` in the text's own
direction, which the page's ``dir`` gives it.

Every string from the brief passes through ``html.escape``."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from html import escape

from briefs.charts import BrandRow, DayBar, TopicRow, brand_rows, day_bars, topic_rows
from briefs.model import Brief
from briefs.view import is_rtl, number, word

# Drawing units; the SVG scales to the column's width (about 340 px on a phone, where one unit
# is about one pixel, so the labels stay readable; capped by CSS on wide screens).
WIDTH = 340
DAY_PLOT = 130  # height of a day chart's bars area
NAME_H = 15  # a row's name line in the bar charts
BAR_H = 11
VALUE_ROOM = 46  # room after a bar for its value label
LABEL_W = 38  # about the width of "Feb 22" under a bar
CHAR_W = 6.5  # about the width of a character of an 11-unit label


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _n(value: float) -> str:
    """A coordinate: short, and always with a dot (never the reader's decimal comma)."""
    return f"{value:.1f}".removesuffix(".0")


@dataclass
class Canvas:
    """Shapes in left-to-right units, mirrored on output when the page reads right to left."""

    height: float
    rtl: bool
    parts: list[str] = field(default_factory=list)

    def x(self, x: float, w: float = 0.0) -> float:
        return WIDTH - x - w if self.rtl else x

    def rect(self, x: float, y: float, w: float, h: float, cls: str, tip: str = "") -> None:
        tip_el = f"<title>{_e(tip)}</title>" if tip else ""
        self.parts.append(
            f'<rect class="{cls}" x="{_n(self.x(x, w))}" y="{_n(y)}" '
            f'width="{_n(w)}" height="{_n(h)}">{tip_el}</rect>'
        )

    def line(self, x1: float, y1: float, x2: float, y2: float, cls: str) -> None:
        self.parts.append(
            f'<line class="{cls}" x1="{_n(self.x(x1))}" y1="{_n(y1)}" '
            f'x2="{_n(self.x(x2))}" y2="{_n(y2)}"/>'
        )

    def text(self, x: float, y: float, text: str, cls: str = "", anchor: str = "start") -> None:
        self.parts.append(
            f'<text class="{cls}" x="{_n(self.x(x))}" y="{_n(y)}" '
            f'text-anchor="{anchor}">{_e(text)}</text>'
        )

    def svg(self, key: str, title: str, desc: str) -> str:
        direction = "rtl" if self.rtl else "ltr"
        return (
            f'<svg class="chart" viewBox="0 0 {WIDTH} {_n(self.height)}" role="img" '
            f'aria-labelledby="{key}-t {key}-d" direction="{direction}">'
            f'<title id="{key}-t">{_e(title)}</title><desc id="{key}-d">{_e(desc)}</desc>'
            + "".join(self.parts)
            + "</svg>"
        )


def figure(key: str, title: str, svg: str, legend: list[tuple[str, str]]) -> str:
    items = "".join(
        f'<li><span class="swatch {cls}" aria-hidden="true"></span>{_e(label)}</li>'
        for cls, label in legend
    )
    return (
        f'<figure class="figure" id="{key}"><figcaption>{_e(title)}</figcaption>{svg}'
        f'<ul class="legend">{items}</ul></figure>'
    )


def charts(brief: Brief) -> list[str]:
    """The brief's charts that have data, in reading order."""
    out = []
    days = day_bars(brief)
    if days:
        out += [volume_chart(brief, days), sentiment_chart(brief, days)]
    topics = topic_rows(brief)
    if topics:
        out.append(topics_chart(brief, topics))
    brands = brand_rows(brief)
    if brands:
        out.append(brands_chart(brief, brands))
    return out


# -- per day ---------------------------------------------------------------------------------


def _slots(days: list[DayBar]) -> tuple[float, float]:
    """Each day's slot width and its bar's width."""
    slot = WIDTH / len(days)
    return slot, min(slot * 0.7, 56.0)


def _periods(c: Canvas, brief: Brief, days: list[DayBar], top: float, base: float) -> None:
    """The previous and this period's names over their days, a dashed line between them."""
    slot, _ = _slots(days)
    split = next((i for i, d in enumerate(days) if d.current), len(days))
    groups = ((0, split, "previous"), (split, len(days), "current"))
    for first, last, key in groups:
        if last <= first:
            continue
        label = word(brief.language, "chart", key)
        if (last - first) * slot >= len(label) * CHAR_W:
            c.text((first + last) / 2 * slot, top, label, "period-name", "middle")
        elif key == "previous":  # too narrow to centre on: from the chart's outer edge
            c.text(0, top, label, "period-name", "start")
        else:
            c.text(WIDTH, top, label, "period-name", "end")
    if 0 < split < len(days):
        c.line(split * slot, top + 4, split * slot, base, "divider")


def _day_labels(c: Canvas, days: list[DayBar], y: float) -> None:
    slot, _ = _slots(days)
    step = max(1, math.ceil(LABEL_W / slot))
    for i, d in enumerate(days):
        if i % step == 0:
            c.text((i + 0.5) * slot, y, d.label, "axis", "middle")


def volume_chart(brief: Brief, days: list[DayBar]) -> str:
    lang = brief.language
    title = word(lang, "chart", "volume")
    c = Canvas(height=30 + DAY_PLOT + 22, rtl=is_rtl(lang))
    slot, bar = _slots(days)
    base = 30 + DAY_PLOT
    _periods(c, brief, days, 12, base)
    c.line(0, base, WIDTH, base, "axis-line")
    show_values = slot >= 24  # a count over a bar narrower than this would touch the next
    for i, d in enumerate(days):
        h = d.height * (DAY_PLOT - 14)
        x = (i + 0.5) * slot - bar / 2
        cls = "cur" if d.current else "prev"
        c.rect(x, base - h, bar, h, cls, f"{d.long}: {number(d.total, lang)}")
        if show_values:
            c.text((i + 0.5) * slot, base - h - 3, number(d.total, lang), "value", "middle")
    _day_labels(c, days, base + 15)
    desc = "; ".join(f"{d.long}: {number(d.total, lang)}" for d in days)
    legend = [("prev", word(lang, "chart", "previous")), ("cur", word(lang, "chart", "current"))]
    return figure("chart-volume", title, c.svg("chart-volume-svg", title, desc), legend)


def sentiment_chart(brief: Brief, days: list[DayBar]) -> str:
    """Each day's mentions split into negative, neutral and positive (100% bars), the
    negative share written over it: the mix, which the volume chart cannot show."""
    lang = brief.language
    title = word(lang, "chart", "sentiment")
    c = Canvas(height=34 + DAY_PLOT + 22, rtl=is_rtl(lang))
    slot, bar = _slots(days)
    base = 34 + DAY_PLOT
    _periods(c, brief, days, 12, base)
    names = [word(lang, "chart", k) for k in ("negative", "neutral", "positive")]
    for i, d in enumerate(days):
        x, y = (i + 0.5) * slot - bar / 2, float(base)
        counts = (d.negative, d.neutral, d.positive)
        for cls, share, name, count in zip(
            ("neg", "neu", "pos"), d.shares(), names, counts, strict=True
        ):
            h = share * DAY_PLOT
            tip = f"{d.long}: {number(count, lang)} {name}"
            c.rect(x, y - h, bar, h, cls + ("" if d.current else " faded"), tip)
            y -= h
        # The negative share over each bar, in the negative colour; where "100%" would not
        # fit in a slot, only the text alternative and the bar's tooltip carry it.
        if d.total and slot >= 22:
            c.text(
                (i + 0.5) * slot,
                base - DAY_PLOT - 3,
                f"{d.negative_percent()}%",
                "neg-label",
                "middle",
            )
    _day_labels(c, days, base + 15)
    desc = "; ".join(
        f"{d.long}: "
        + ", ".join(
            f"{n} {number(v, lang)}"
            for n, v in zip(names, (d.negative, d.neutral, d.positive), strict=True)
        )
        for d in days
    )
    legend = [("neg", names[0]), ("neu", names[1]), ("pos", names[2])]
    return figure("chart-sentiment", title, c.svg("chart-sentiment-svg", title, desc), legend)


# -- bars per name ---------------------------------------------------------------------------


def topics_chart(brief: Brief, rows: list[TopicRow]) -> str:
    lang = brief.language
    title = word(lang, "chart", "topics")
    now, before = word(lang, "chart", "current"), word(lang, "chart", "previous")
    row_h = NAME_H + 2 * (BAR_H + 3) + 8
    c = Canvas(height=len(rows) * row_h + 4, rtl=is_rtl(lang))
    span = WIDTH - VALUE_ROOM
    for i, r in enumerate(rows):
        y = i * row_h + NAME_H
        c.text(0, y - 3, r.name, "name")
        pairs = (
            (r.current, r.current_width, "neg", now),
            (r.baseline, r.baseline_width, "prev", before),
        )
        for j, (value, width, cls, label) in enumerate(pairs):
            top = y + 2 + j * (BAR_H + 3)
            w = max(width * span, 1.0)
            c.rect(0, top, w, BAR_H, cls, f"{r.name}, {label}: {number(value, lang)}")
            c.text(w + 4, top + BAR_H - 1, number(value, lang), "value")
    desc = "; ".join(
        f"{r.name}: {number(r.current, lang)} ({now}), {number(r.baseline, lang)} ({before})"
        for r in rows
    )
    legend = [("neg", now), ("prev", before)]
    return figure("chart-topics", title, c.svg("chart-topics-svg", title, desc), legend)


def brands_chart(brief: Brief, rows: list[BrandRow]) -> str:
    """Share of voice and negative share side by side, a tick at each one's previous value;
    the brand the brief is for on a tinted band."""
    lang = brief.language
    title = word(lang, "chart", "brands")
    voice, negative = word(lang, "chart", "share_of_voice"), word(lang, "chart", "negative_share")
    before = word(lang, "chart", "previous")
    col = (WIDTH - 12) / 2
    span = col - VALUE_ROOM
    row_h = NAME_H + BAR_H + 10
    c = Canvas(height=18 + len(rows) * row_h, rtl=is_rtl(lang))
    c.text(0, 12, voice, "head")
    c.text(col + 12, 12, negative, "head")
    for i, r in enumerate(rows):
        y = 18 + i * row_h
        if r.focus:
            c.rect(0, y, WIDTH, row_h - 2, "focus-band")
        c.text(2, y + NAME_H - 3, r.name, "name focus" if r.focus else "name")
        bars = (
            (0.0, r.share, r.share_width, r.previous_share, r.previous_share_width, "voice", voice),
            (
                col + 12,
                r.negative_share,
                r.negative_width,
                r.previous_negative_share,
                r.previous_negative_width,
                "neg",
                negative,
            ),
        )
        for x0, value, width, prev, prev_width, cls, label in bars:
            top = y + NAME_H
            w = max(width * span, 1.0)
            tip = f"{r.name}, {label}: {number(value, lang)}% ({before} {number(prev, lang)}%)"
            c.rect(x0, top, w, BAR_H, cls, tip)
            c.line(x0 + prev_width * span, top - 2, x0 + prev_width * span, top + BAR_H + 2, "tick")
            c.text(
                x0 + max(w, prev_width * span) + 4,
                top + BAR_H - 1,
                f"{number(value, lang)}%",
                "value",
            )
    desc = "; ".join(
        f"{r.name}: {voice} {number(r.share, lang)}% ({before} {number(r.previous_share, lang)}%), "
        f"{negative} {number(r.negative_share, lang)}% "
        f"({before} {number(r.previous_negative_share, lang)}%)"
        for r in rows
    )
    legend = [("voice", voice), ("neg", negative), ("tick", before)]
    return figure("chart-brands", title, c.svg("chart-brands-svg", title, desc), legend)
