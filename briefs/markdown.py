"""A brief as Markdown: the headline, the key figures, what to look at, then each section as
the composer wrote it. Everything shown is in the brief already; nothing is computed here."""

from __future__ import annotations

from ask.phrasing import phrases
from briefs.model import Brief


def render_markdown(brief: Brief) -> str:
    p = phrases(brief.language)["brief"]
    out = [
        f"# {brief.headline}",
        "",
        "_"
        + str(p["title"]).format(period=brief.period.label)
        + " · "
        + str(p["compared"]).format(previous=brief.previous.label)
        + "_",
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
    out.append("_" + str(p["generated"]).format(count=len(brief.facts())) + "_")
    return "\n".join(out).rstrip() + "\n"
