"""A brief as an e-mail: a text/plain part and a text/html part built for mail clients.

Mail clients are not browsers: Gmail drops ``<style>`` in many views, Outlook draws HTML with
Word's engine (no SVG, no flexbox, widths only on table cells), and most block images by
default. So the HTML part is tables with inline styles only, and its charts are table cells
coloured and sized as bars: what every client shows. Citations are plain "[id]" (Gmail breaks
in-message anchors); the quotes at the end carry their ids.

Subject only: the delivery code sets From and To. Mention texts and names are escaped; only
http(s) links are kept (``ask.untrusted.safe_url``)."""

from __future__ import annotations

from email.message import EmailMessage
from html import escape

from ask.facts import Quote
from ask.untrusted import inert, safe_url, strip_invisible
from briefs.charts import BrandRow, DayBar, TopicRow, brand_rows, day_bars, topic_rows
from briefs.model import Brief, Section
from briefs.view import (
    Block,
    KpiCard,
    is_rtl,
    kpi_cards,
    number,
    period_line,
    section_blocks,
    when,
    word,
    words,
)

COLOURS = {
    "cur": "#3b5bdb",
    "prev": "#b8c2cc",
    "neg": "#d1495b",
    "neu": "#9aa5b1",
    "pos": "#2a9d8f",
    "voice": "#3b5bdb",
}
# The previous period's days, in lighter shades of the same three colours.
FADED = {"neg": "#e8a4ad", "neu": "#ccd2d8", "pos": "#95cec7"}
FONT = "font-family:Arial,Helvetica,sans-serif;color:#1f2933"
MUTED = "color:#52606d"


def render_email(brief: Brief) -> EmailMessage:
    """The brief as a multipart/alternative message: plain text first, HTML preferred."""
    msg = EmailMessage()
    # A header is one line: a headline with a line break would start a header of its own.
    msg["Subject"] = " ".join(strip_invisible(brief.headline).split())
    msg.set_content(render_text(brief))
    msg.add_alternative(render_email_html(brief), subtype="html")
    return msg


# -- plain text ------------------------------------------------------------------------------


def render_text(brief: Brief) -> str:
    """The brief as plain text: what briefs/markdown.py writes, without Markdown's marks,
    and the quotes with their sources and links at the end."""
    p = words(brief.language)
    out = [brief.headline, "=" * min(len(brief.headline), 72), period_line(brief), ""]
    if brief.summary:
        out += _heading(str(p["kpis"])) + [f"- {s}" for s in brief.summary.splitlines()] + [""]
    out += _heading(str(p["actions"]))
    if brief.actions:
        for i, a in enumerate(brief.actions, start=1):
            out.append(f"{i}. {a.text}" + "".join(f" [{c}]" for c in a.citations))
    else:
        out.append(str(p["no_actions"]))
    out.append("")
    for section in brief.sections:
        if section.text.strip():
            out += [*_heading(section.title), section.text.strip(), ""]
    if brief.quotes:
        out += _heading(str(p["quotes"]))
        for q in brief.quotes:
            out += [_quote_meta(brief, q), f"  «{inert(q.text)}»", ""]
    out.append(str(p["generated"]).format(count=len(brief.facts())))
    return "\n".join(out).rstrip() + "\n"


def _heading(title: str) -> list[str]:
    return [title, "-" * min(len(title), 72)]


def _quote_meta(brief: Brief, q: Quote) -> str:
    url = safe_url(q.url)
    parts = [f"[{q.id}]", inert(q.source), when(q.created_at, brief), url or ""]
    return " · ".join(part for part in parts if part)


# -- HTML for mail clients -------------------------------------------------------------------


def _e(text: object) -> str:
    return escape(str(text), quote=True)


class _Sides:
    """``left``/``right`` as the reader's start and end: mail clients ignore the logical
    CSS properties, so a right-to-left message names its sides the other way round."""

    def __init__(self, rtl: bool) -> None:
        self.dir = "rtl" if rtl else "ltr"
        self.start, self.end = ("right", "left") if rtl else ("left", "right")


def render_email_html(brief: Brief) -> str:
    """The HTML part: one centred column of tables, at most 600 px wide."""
    s = _Sides(is_rtl(brief.language))
    rows = [
        _header(brief, s),
        _kpis(brief, s),
        _actions(brief, s),
        _day_chart(brief, s),
        _topics_chart(brief, s),
        _brands_chart(brief, s),
        *(_section(brief, x, s) for x in brief.sections if x.text.strip()),
        _quotes(brief, s),
        _footer(brief, s),
    ]
    body = "".join(f'<tr><td style="padding:8px 16px">{r}</td></tr>' for r in rows if r)
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{_e(brief.language)}" dir="{s.dir}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(brief.headline)}</title></head>"
        f'<body dir="{s.dir}" style="margin:0;padding:0;background:#f4f5f7">'
        '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" '
        f'bgcolor="#f4f5f7" dir="{s.dir}"><tr><td align="center" style="padding:12px 0">'
        '<table role="presentation" width="600" cellpadding="0" cellspacing="0" border="0" '
        f'dir="{s.dir}" bgcolor="#ffffff" style="width:100%;max-width:600px;background:#ffffff;'
        f'{FONT};font-size:15px;line-height:1.5;text-align:{s.start}">'
        f"{body}</table></td></tr></table></body></html>\n"
    )


def _h2(title: str, s: _Sides) -> str:
    return (
        f'<h2 style="{FONT};font-size:18px;margin:16px 0 8px;padding-bottom:4px;'
        f'border-bottom:1px solid #d9dee4;text-align:{s.start}">{_e(title)}</h2>'
    )


def _header(brief: Brief, s: _Sides) -> str:
    return (
        f'<h1 style="{FONT};font-size:22px;line-height:1.3;margin:8px 0 4px;'
        f'text-align:{s.start}">{_e(brief.headline)}</h1>'
        f'<p style="{MUTED};margin:0;font-size:14px">{_e(period_line(brief))}</p>'
    )


def _kpis(brief: Brief, s: _Sides) -> str:
    cards = kpi_cards(brief)
    if not cards:
        return ""
    cells = [_kpi(c, s) for c in cards]
    rows = "".join(
        "<tr>" + "".join(cells[i : i + 2]) + ("<td></td>" if i + 1 == len(cells) else "") + "</tr>"
        for i in range(0, len(cells), 2)
    )
    return (
        _h2(str(words(brief.language)["kpis"]), s)
        + '<table role="presentation" width="100%" cellpadding="0" cellspacing="6" border="0" '
        f'dir="{s.dir}">{rows}</table>'
    )


_ARROWS = {"up": "▲ ", "down": "▼ ", "flat": "", "": ""}
_TONES = {"bad": "#b42318", "good": "#067647", "neutral": "#1f2933"}
_MARKS = {"beyond": "#fff4e5", "within": "#eef2f6", "label-error": "#f4f0ff"}


def _kpi(card: KpiCard, s: _Sides) -> str:
    marks = "".join(
        f'<span style="display:inline-block;background:{_MARKS[kind]};border:1px solid #cbd2d9;'
        f'border-radius:9px;padding:0 7px;margin-top:4px;font-size:12px">{_e(text)}</span> '
        for kind, text in card.marks
    )
    baseline = f'<br><span style="{MUTED}">{_e(card.baseline)}</span>' if card.baseline else ""
    return (
        f'<td width="50%" valign="top" style="border:1px solid #d9dee4;border-radius:6px;'
        f'padding:8px 10px;text-align:{s.start}">'
        f'<div style="{MUTED};font-size:13px">{_e(card.label)}</div>'
        f'<div style="font-size:24px;font-weight:bold;line-height:1.2">{_e(card.value)}</div>'
        f'<div style="font-size:13px"><span style="color:{_TONES[card.tone]}">'
        f"{_ARROWS[card.trend]}</span>{_e(card.detail)}{baseline}</div>{marks}</td>"
    )


def _actions(brief: Brief, s: _Sides) -> str:
    p = words(brief.language)
    if not brief.actions:
        return _h2(str(p["actions"]), s) + f"<p>{_e(p['no_actions'])}</p>"
    items = "".join(
        f'<li style="margin:4px 0">{_e(a.text)}{_cites(a.citations)}</li>' for a in brief.actions
    )
    pad = f"padding-{s.start}:22px"
    return _h2(str(p["actions"]), s) + f'<ol style="margin:0;{pad}">{items}</ol>'


def _cites(ids: list[int]) -> str:
    return "".join(f' <span style="{MUTED};font-size:13px">[{i}]</span>' for i in ids)


# -- charts as table cells -------------------------------------------------------------------


def _bar(segments: list[tuple[float, str]], s: _Sides) -> str:
    """One bar: cells of ``segments`` (fraction of the scale, colour) side by side, then an
    empty cell for the rest of the scale."""
    cells = [
        (max(1, round(f * 100)), colour) for f, colour in segments if f > 0
    ]  # a sliver, not nothing, for a value too small to draw
    rest = 100 - sum(w for w, _ in cells)
    tds = "".join(
        f'<td width="{w}%" height="12" bgcolor="{colour}" '
        f'style="background:{colour};height:12px;font-size:0;line-height:0">&nbsp;</td>'
        for w, colour in cells
    )
    if rest > 0:
        tds += f'<td width="{rest}%" style="font-size:0;line-height:0">&nbsp;</td>'
    return (
        '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" '
        f'dir="{s.dir}"><tr>{tds}</tr></table>'
    )


def _bar_row(label: str, segments: list[tuple[float, str]], value: str, s: _Sides) -> str:
    """A chart row: its label, its bar, its value (the HTML of either may be empty). All rows
    of a chart are in one table, so every bar has the same scale in pixels."""
    return (
        f'<tr><td style="font-size:12px;white-space:nowrap;padding:2px 0;'
        f'padding-{s.end}:6px">{label}</td><td width="100%" style="padding:2px 0">'
        f"{_bar(segments, s)}</td>"
        f'<td style="font-size:12px;white-space:nowrap;padding:2px 0;padding-{s.start}:6px">'
        f"{value}</td></tr>"
    )


def _name_row(name: str, s: _Sides, style: str = "") -> str:
    return (
        f'<tr><td colspan="3" style="padding-top:6px;font-size:13px;text-align:{s.start}'
        f'{style}">{name}</td></tr>'
    )


def _chart(title: str, rows: str, legend: list[tuple[str, str]], s: _Sides) -> str:
    keys = " ".join(
        f'<span style="display:inline-block;width:10px;height:10px;background:{colour}">'
        f'</span> <span style="{MUTED};font-size:13px">{_e(label)}</span>&nbsp;&nbsp;'
        for colour, label in legend
    )
    return (
        _h2(title, s)
        + '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" '
        f'dir="{s.dir}" style="font-size:13px">{rows}</table><p style="margin:6px 0">{keys}</p>'
    )


def _day_chart(brief: Brief, s: _Sides) -> str:
    """Mentions per day, each bar split by sentiment; the previous period's days paler, each
    period under its own name."""
    days = day_bars(brief)
    if not days:
        return ""
    lang = brief.language
    rows, period = [], None
    for d in days:
        if d.current != period:
            period = d.current
            name = word(lang, "chart", "current" if d.current else "previous")
            rows.append(_name_row(_e(name), s, f";{MUTED};font-weight:bold;font-size:12px"))
        rows.append(_day_row(d, s, lang))
    names = [word(lang, "chart", k) for k in ("negative", "neutral", "positive")]
    legend = list(zip((COLOURS["neg"], COLOURS["neu"], COLOURS["pos"]), names, strict=True))
    title = f"{word(lang, 'chart', 'volume')} · {word(lang, 'chart', 'sentiment')}"
    return _chart(title, "".join(rows), legend, s)


def _day_row(d: DayBar, s: _Sides, lang: str) -> str:
    palette = COLOURS if d.current else FADED
    segments = [
        (d.height * share, palette[key])
        for share, key in zip(d.shares(), ("neg", "neu", "pos"), strict=True)
    ]
    negative = f"{number(d.negative, lang)} {word(lang, 'chart', 'negative')}"
    value = f'<b>{_e(number(d.total, lang))}</b> <span style="{MUTED}">({_e(negative)})</span>'
    return _bar_row(_e(d.label), segments, value, s)


def _topics_chart(brief: Brief, s: _Sides) -> str:
    rows = topic_rows(brief)
    if not rows:
        return ""
    lang = brief.language
    body = "".join(_topic_rows(r, s, lang) for r in rows)
    legend = [
        (COLOURS["neg"], word(lang, "chart", "current")),
        (COLOURS["prev"], word(lang, "chart", "previous")),
    ]
    return _chart(word(lang, "chart", "topics"), body, legend, s)


def _topic_rows(r: TopicRow, s: _Sides, lang: str) -> str:
    return (
        _name_row(_e(r.name), s)
        + _bar_row("", [(r.current_width, COLOURS["neg"])], _e(number(r.current, lang)), s)
        + _bar_row("", [(r.baseline_width, COLOURS["prev"])], _e(number(r.baseline, lang)), s)
    )


def _brands_chart(brief: Brief, s: _Sides) -> str:
    rows = brand_rows(brief)
    if not rows:
        return ""
    lang = brief.language
    voice, negative = word(lang, "chart", "share_of_voice"), word(lang, "chart", "negative_share")
    # The values read "23.3% (23.6%)": this period's, then the previous period's.
    key = f"{word(lang, 'chart', 'current')} ({word(lang, 'chart', 'previous')})"
    body = _name_row(_e(key), s, f";{MUTED};font-size:12px") + "".join(
        _brand_rows(r, s, lang) for r in rows
    )
    legend = [(COLOURS["voice"], voice), (COLOURS["neg"], negative)]
    return _chart(word(lang, "chart", "brands"), body, legend, s)


def _brand_rows(r: BrandRow, s: _Sides, lang: str) -> str:
    # The brand the brief is for stands out: bold on a tinted band.
    style = ";font-weight:bold;background:#fff7d6" if r.focus else ""
    return (
        _name_row(_e(r.name), s, style)
        + _bar_row(
            "", [(r.share_width, COLOURS["voice"])], _pair(r.share, r.previous_share, lang), s
        )
        + _bar_row(
            "",
            [(r.negative_width, COLOURS["neg"])],
            _pair(r.negative_share, r.previous_negative_share, lang),
            s,
        )
    )


def _pair(now: float, before: float, lang: str) -> str:
    return (
        f"<b>{_e(number(now, lang))}%</b> "
        f'<span style="{MUTED}">({_e(number(before, lang))}%)</span>'
    )


# -- sections and quotes ---------------------------------------------------------------------


def _section(brief: Brief, section: Section, s: _Sides) -> str:
    return _h2(section.title, s) + "".join(_block(b, s) for b in section_blocks(section.text))


def _block(block: Block, s: _Sides) -> str:
    items = [
        _e(item.line.text)
        + _cites(item.line.cites)
        + "".join(_quote_text(q.text, q.cites, s) for q in item.quotes)
        for item in block.items
    ]
    if block.kind == "ul":
        lis = "".join(f'<li style="margin:4px 0">{i}</li>' for i in items)
        return f'<ul style="margin:0;padding-{s.start}:20px">{lis}</ul>'
    return "".join(f'<p style="margin:6px 0">{i}</p>' for i in items if i)


def _quote_text(text: str, cites: list[int], s: _Sides) -> str:
    return (
        f'<div dir="auto" style="margin:4px 0;padding:4px 8px;background:#f4f5f7;'
        f'border-{s.start}:3px solid #cbd2d9;font-size:14px">{_e(text)}{_cites(cites)}</div>'
    )


def _quotes(brief: Brief, s: _Sides) -> str:
    if not brief.quotes:
        return ""
    items = "".join(_quote(brief, q, s) for q in brief.quotes)
    return _h2(str(words(brief.language)["quotes"]), s) + items


def _quote(brief: Brief, q: Quote, s: _Sides) -> str:
    source = _e(q.source)
    url = safe_url(q.url)
    if url is not None:
        source = f'<a href="{_e(url)}" style="color:#1d4ed8" rel="nofollow noopener">{source}</a>'
    meta = " · ".join(x for x in (f"[{q.id}]", source, _e(when(q.created_at, brief))) if x)
    return (
        f'<div style="margin:0 0 10px">{_quote_text(q.text, [], s)}'
        f'<div style="{MUTED};font-size:12px">{meta}</div></div>'
    )


def _footer(brief: Brief, s: _Sides) -> str:
    text = str(words(brief.language)["generated"]).format(count=len(brief.facts()))
    return f'<p style="{MUTED};font-size:12px;margin:16px 0 8px">{_e(text)}</p>'
