"""A brief as one self-contained HTML page: the headline, the key figures as cards, what to
look at, the charts (inline SVG, briefs/svg.py), each section as the composer wrote it, the
quotes (each an anchor its citations link to) and the facts behind every number.

The page loads nothing: styles are inline, charts are drawn in SVG, there is no script, and a
Content-Security-Policy forbids any fetch, so a page saved to disk or opened in a mail
client's browser shows the same and tells no server it was read. Right-to-left languages get
``dir="rtl"``; quotes get ``dir="auto"`` so each keeps its own direction.

Mention texts and names are the data's, not ours: every string from the brief is escaped
here, and only http(s) links leave the page (``ask.untrusted.safe_url``). Mirrors
briefs/markdown.py's order."""

from __future__ import annotations

import re
from html import escape

from ask.facts import Quote
from ask.untrusted import safe_url
from briefs.model import Action, Brief, Section
from briefs.svg import charts
from briefs.view import (
    Block,
    KpiCard,
    Line,
    direction,
    kpi_cards,
    period_line,
    quotes_by_id,
    section_blocks,
    split_citations,
    when,
    word,
    words,
)

# Nothing may be fetched (no script, image, font, frame or connection); inline styles only.
CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "base-uri 'none'; form-action 'none'"
)
_LANG_TAG = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$")

STYLE = """
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0;background:#f4f5f7;color:#1f2933;
font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Noto Sans Arabic",
Tahoma,"DejaVu Sans",Arial,sans-serif}
main{max-width:760px;margin:0 auto;padding:16px 14px 32px}
h1{font-size:1.45rem;line-height:1.25;margin:.2em 0 .3em}
h2{font-size:1.15rem;margin:1.6em 0 .5em;padding-bottom:.2em;border-bottom:1px solid #d9dee4}
h3{font-size:1rem;margin:1em 0 .3em}
p,li,blockquote,figcaption,dd{overflow-wrap:anywhere}
a{color:#1d4ed8}
.period{color:#52606d;margin:0}
.summary p{margin:.3em 0}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(155px,1fr));gap:10px}
.card{background:#fff;border:1px solid #d9dee4;border-radius:8px;padding:10px 12px}
.card .label{font-size:.85rem;color:#52606d;margin:0}
.card .value{font-size:1.6rem;font-weight:700;line-height:1.2;margin:.1em 0}
.card .detail,.card .baseline{font-size:.85rem;margin:0}
.trend{font-weight:700}.tone-bad .trend{color:#b42318}.tone-good .trend{color:#067647}
.mark{display:inline-block;font-size:.75rem;line-height:1.5;border:1px solid #cbd2d9;
border-radius:999px;padding:0 .55em;margin:.35em 0 0;margin-inline-end:.3em;background:#eef2f6}
.mark.beyond{background:#fff4e5;border-color:#f5a524}
.mark.label-error{background:#f4f0ff;border-color:#a48afb}
.actions li{margin:.35em 0}
.cite{font-size:.85em;white-space:nowrap;text-decoration:none}
.figure{margin:14px 0;background:#fff;border:1px solid #d9dee4;border-radius:8px;padding:10px}
figcaption{font-weight:600;margin-bottom:.4em}
svg.chart{display:block;width:100%;max-width:500px;height:auto;margin:0 auto;overflow:visible}
.chart text{font-size:11px;fill:#1f2933}
.chart .name{font-size:12px}.chart .name.focus{font-weight:700}
.chart .head,.chart .period-name{font-size:11px;fill:#52606d;font-weight:600}
.chart .axis{fill:#52606d;font-size:10px}
.chart .neg-label{fill:#b42318;font-size:10px;font-weight:700}
.chart .axis-line{stroke:#9aa5b1}.chart .divider{stroke:#52606d;stroke-dasharray:3 3}
.chart .tick{stroke:#111;stroke-width:2}
.chart .focus-band{fill:#fff7d6}
.cur,.voice{fill:#3b5bdb;background:#3b5bdb}.prev{fill:#b8c2cc;background:#b8c2cc}
.neg{fill:#d1495b;background:#d1495b}.neu{fill:#9aa5b1;background:#9aa5b1}
.pos{fill:#2a9d8f;background:#2a9d8f}.faded{opacity:.5}
.legend{list-style:none;padding:0;margin:.4em 0 0;font-size:.85rem;color:#52606d}
.legend li{display:inline-block;margin-inline-end:1em}
.swatch{display:inline-block;width:.8em;height:.8em;border-radius:2px;
margin-inline-end:.35em;vertical-align:-.05em}
.swatch.tick{width:3px;background:#111}
.section ul{padding-inline-start:1.2em}
.section li{margin:.3em 0}
blockquote{margin:.3em 0;padding:.3em .7em;background:#fff;border-inline-start:3px solid #cbd2d9;
font-size:.95rem}
.quotes{list-style:none;padding:0}
.quotes li{margin:0 0 .8em}
.quotes li:target blockquote{border-color:#f5a524;background:#fff7d6}
.meta{font-size:.8rem;color:#52606d;margin:.15em 0 0}
footer{margin-top:2em;font-size:.85rem;color:#52606d}
footer code{font-size:.8rem}
.warning{color:#b54708}
@media print{
body{background:#fff;font-size:11pt}main{max-width:none;padding:0}
.card,.figure,.quotes li,blockquote{break-inside:avoid}
h2{break-after:avoid}a{color:inherit}
.quotes a[href^="http"]::after{content:" (" attr(href) ")";font-size:.8em}
}
""".replace("\n", "")


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def render_html(brief: Brief) -> str:
    """The brief as one HTML page that renders offline, on a phone as on a desktop."""
    lang = brief.language if _LANG_TAG.match(brief.language) else "en"
    body = "".join(
        [
            _header(brief),
            _key_figures(brief),
            _actions(brief),
            "".join(charts(brief)),
            *(_section(brief, s) for s in brief.sections if s.text.strip()),
            _quotes(brief),
            _footer(brief),
        ]
    )
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{_e(lang)}" dir="{direction(brief.language)}"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="referrer" content="no-referrer">'
        f"<title>{_e(brief.headline)}</title><style>{STYLE}</style></head>"
        f"<body><main>{body}</main></body></html>\n"
    )


def _header(brief: Brief) -> str:
    return (
        f'<header><h1>{_e(brief.headline)}</h1><p class="period">{_e(period_line(brief))}</p>'
        "</header>"
    )


def _key_figures(brief: Brief) -> str:
    cards = "".join(_card(c) for c in kpi_cards(brief))
    # The template summary says what the cards show; a model's summary adds its own prose.
    summary = ""
    if brief.summary and (brief.composer == "llm" or not cards):
        lines = "".join(f'<p dir="auto">{_e(line)}</p>' for line in brief.summary.splitlines())
        summary = f'<div class="summary">{lines}</div>'
    if not cards and not summary:
        return ""
    cards_html = f'<div class="cards">{cards}</div>' if cards else ""
    title = _e(word(brief.language, "kpis"))
    return f'<section id="kpis"><h2>{title}</h2>{cards_html}{summary}</section>'


_ARROWS = {"up": "▲", "down": "▼", "flat": "=", "": ""}


def _card(card: KpiCard) -> str:
    arrow = _ARROWS[card.trend]
    trend = f'<span class="trend" aria-hidden="true">{arrow}</span> ' if arrow else ""
    marks = "".join(f'<span class="mark {kind}">{_e(text)}</span>' for kind, text in card.marks)
    baseline = f'<p class="baseline">{_e(card.baseline)}</p>' if card.baseline else ""
    return (
        f'<div class="card tone-{card.tone}" id="kpi-{_e(card.key)}">'
        f'<p class="label">{_e(card.label)}</p>'
        f'<p class="value"><bdi>{_e(card.value)}</bdi></p>'
        f'<p class="detail">{trend}<bdi>{_e(card.detail)}</bdi></p>{baseline}'
        f"<div>{marks}</div></div>"
    )


def _actions(brief: Brief) -> str:
    quotes = quotes_by_id(brief)
    p = words(brief.language)
    if brief.actions:
        items = "".join(f"<li>{_action(a, quotes)}</li>" for a in brief.actions)
        body = f'<ol class="actions">{items}</ol>'
    else:
        body = f"<p>{_e(p['no_actions'])}</p>"
    return f'<section id="actions"><h2>{_e(p["actions"])}</h2>{body}</section>'


def _action(action: Action, quotes: dict[int, Quote]) -> str:
    return _inline(action.text) + _cites(action.citations, quotes)


def _inline(text: str, quotes: dict[int, Quote] | None = None) -> str:
    """A composer's line, escaped, with the citations in it linked to their quotes."""
    out = []
    for part in split_citations(text):
        if isinstance(part, int):
            out.append(_cite(part, quotes or {}))
        else:
            out.append(_e(part))
    return "".join(out)


def _cites(ids: list[int], quotes: dict[int, Quote]) -> str:
    return "".join(" " + _cite(i, quotes) for i in ids)


def _cite(mention: int, quotes: dict[int, Quote]) -> str:
    if mention in quotes:
        return f'<a class="cite" href="#m{mention}">[{mention}]</a>'
    return f'<span class="cite">[{mention}]</span>'


def _section(brief: Brief, section: Section) -> str:
    quotes = quotes_by_id(brief)
    blocks = "".join(_block(b, quotes) for b in section_blocks(section.text))
    return (
        f'<section class="section" id="s-{_e(section.key)}"><h2>{_e(section.title)}</h2>'
        f"{blocks}</section>"
    )


def _block(block: Block, quotes: dict[int, Quote]) -> str:
    items = [
        _inline(item.line.text, quotes)
        + _cites(item.line.cites, quotes)
        + "".join(_quote_line(q, quotes) for q in item.quotes)
        for item in block.items
    ]
    if block.kind == "ul":
        return "<ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>"
    return "".join(f"<p>{i}</p>" if i else "" for i in items)


def _quote_line(line: Line, quotes: dict[int, Quote]) -> str:
    # A quote's own words are never read for citations: only those that end the line are ours.
    first = quotes.get(line.cites[0]) if line.cites else None
    return (
        f'<blockquote dir="auto"{_lang_attr(first)}>{_e(line.text)}'
        f"{_cites(line.cites, quotes)}</blockquote>"
    )


def _lang_attr(quote: Quote | None) -> str:
    if quote is None or not quote.language or not _LANG_TAG.match(quote.language):
        return ""
    return f' lang="{_e(quote.language)}"'


def _quotes(brief: Brief) -> str:
    if not brief.quotes:
        return ""
    items = "".join(_quote(brief, q) for q in brief.quotes)
    return (
        f'<section id="quotes"><h2>{_e(word(brief.language, "quotes"))}</h2>'
        f'<ol class="quotes">{items}</ol></section>'
    )


def _quote(brief: Brief, q: Quote) -> str:
    source = f"<bdi>{_e(q.source)}</bdi>"
    url = safe_url(q.url)
    if url is not None:
        source = (
            f'<a href="{_e(url)}" rel="nofollow noopener noreferrer" target="_blank">{source}</a>'
        )
    sentiment = q.sentiment if q.sentiment in {"negative", "neutral", "positive"} else None
    meta = [f"[{q.id}]", source, _e(when(q.created_at, brief))]
    if sentiment:
        meta.append(_e(word(brief.language, "chart", sentiment)))
    return (
        f'<li id="m{q.id}"><blockquote dir="auto"{_lang_attr(q)}>{_e(q.text)}</blockquote>'
        f'<p class="meta">{" · ".join(m for m in meta if m)}</p></li>'
    )


def _footer(brief: Brief) -> str:
    facts = brief.facts()
    generated = _e(str(words(brief.language)["generated"]).format(count=len(facts)))
    # Every fact's statement, folded away: where each number on the page comes from.
    groups = "".join(
        f"<h3>{_e(s.title)}</h3><ul>"
        + "".join(
            f'<li id="f-{_e(f.id)}"><code>{_e(f.id)}</code> {_e(f.phrase(brief.language))}</li>'
            for f in s.facts
        )
        + "</ul>"
        for s in brief.sections
        if s.facts
    )
    warnings = "".join(f'<p class="warning">{_e(w)}</p>' for w in brief.warnings)
    return f"<footer>{warnings}<details><summary>{generated}</summary>{groups}</details></footer>"
