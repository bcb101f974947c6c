"""A brief as Markdown: the headline, the key figures, what to look at, then each section as
the composer wrote it. Everything shown is in the brief already; nothing is computed here."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from ask.composer_template import window_text
from ask.phrasing import phrases
from ask.plan import PlanWindow
from briefs.model import Brief


def render_markdown(brief: Brief) -> str:
    p = phrases(brief.language)["brief"]
    out = [
        f"# {brief.headline}",
        "",
        # Asterisks, not underscores: "2015_" would hide the year from date readers.
        "*"
        + str(p["title"]).format(period=period_text(brief.period, brief))
        + " · "
        + str(p["compared"]).format(previous=period_text(brief.previous, brief))
        + "*",
        "",
    ]
    if brief.summary:
        out += [f"## {p['kpis']}", "", *(f"- {line}" for line in brief.summary.splitlines()), ""]
    out += [f"## {p['actions']}", ""]
    if brief.actions:
        for a in brief.actions:
            cites = "".join(f" [{i}]" for i in a.citations)
            out.append(f"- {a.text}{cites}")
    else:
        out.append(str(p["no_actions"]))
    out.append("")
    for section in brief.sections:
        if not section.text.strip():
            continue
        out += [f"## {section.title}", "", section.text.strip(), ""]
    out.append("*" + str(p["generated"]) + "*")
    return "\n".join(out).rstrip() + "\n"


def period_text(window: PlanWindow, brief: Brief) -> str:
    """A period in the brief's language ("22 февраля 2015 г.", "16.02.2015 – 22.02.2015")."""
    return window_text(window, brief.language, ZoneInfo(brief.timezone))
