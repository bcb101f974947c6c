"""The offline composer (the embedded default): renders the facts into a clear answer in
English or Russian. Every number it writes comes from a fact; every quote is cited [id].

Quote texts and names (brands, topics, sources, locations, window labels) come from outside;
each passes through ``ask.untrusted.inert`` on its way in, so none can close its quote, form
markup or a link, or hide what follows."""

from __future__ import annotations

import tomllib
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import Any

from ask.facts import Evidence, Fact
from ask.plan import Plan, PlanWindow
from ask.untrusted import inert

PHRASES = Path(__file__).parent / "phrases"
QUOTE_CHARS = 220


@cache
def phrases(language: str) -> dict[str, Any]:
    path = PHRASES / f"{language}.toml"
    if not path.is_file():
        path = PHRASES / "en.toml"
    return tomllib.loads(path.read_text(encoding="utf-8"))


def num(value: float | int | None, language: str) -> str:
    if value is None:
        return "?"
    text = str(int(value)) if float(value).is_integer() else f"{value:.1f}"
    return text.replace(".", ",") if language == "ru" else text


def window_text(w: dict[str, Any] | PlanWindow | None, language: str) -> str:
    # A label can carry words of the question (or of a model's plan): inert like any name.
    return inert(_window_text(w, language))


def _window_text(w: dict[str, Any] | PlanWindow | None, language: str) -> str:
    p = phrases(language)
    if w is None:
        return p["all_time"]
    if isinstance(w, dict):
        w = PlanWindow.model_validate(w)
    if w.label == "all time":
        return p["all_time"]
    if language == "en":
        return w.label
    last = w.end - timedelta(seconds=1)
    if last.date() == w.start.date():
        return w.start.strftime("%d.%m.%Y")
    return f"{w.start:%d.%m.%Y} – {last:%d.%m.%Y}"


class TemplateComposer:
    def compose(self, plan: Plan, evidence: Evidence) -> str:
        lang = plan.language if plan.language in ("en", "ru") else "en"
        p = phrases(lang)
        names = [inert(name) for name in plan.brands + plan.entities]
        ctx = {
            "sentiment": p["sentiment"][plan.sentiment.value if plan.sentiment else "none"],
            "about": p["about"].format(names=", ".join(names)) if names else "",
            "window": window_text(plan.window, lang),
            "baseline_window": window_text(plan.baseline, lang),
        }
        lines: list[str] = []
        quotes = {q.id: q for q in evidence.quotes}
        n = lambda v: num(v, lang)  # noqa: E731
        drivers_started = False
        trend_total = 0
        split: dict[str, tuple[str, str]] = {}
        for f in evidence.facts:
            d = f.data
            if f.kind == "count":
                key = {"summarise": "summary_head", "trend": None, "examples": "examples_head"}.get(
                    plan.intent.value, "count"
                )
                if d["total"] == 0:
                    lines.append(p["no_data"].format(**ctx))
                elif key:
                    lines.append(p[key].format(**ctx, total=n(d["total"])))
                    if key != "summary_head":
                        lines += self._quotes(f, quotes, p)
                if plan.intent.value == "trend" and d["total"]:
                    trend_total = d["total"]
            elif f.kind == "share" and "sentiment" in d:
                split[d["sentiment"]] = (n(d["count"]), n(d["share"]))
                if len(split) == 3:
                    lines.append(
                        p["share"].format(
                            **{s: v[0] for s, v in split.items()},
                            **{f"{s}_share": v[1] for s, v in split.items()},
                        )
                    )
            elif f.kind == "breakdown":
                lines.append(
                    p["topic_line"].format(
                        name=inert(d["name"]), count=n(d["count"]), share=n(d["share"])
                    )
                )
                lines += self._quotes(f, quotes, p)
            elif f.kind == "change" and "current" in d:
                # Periods of different lengths compare by rate: the direction and the percent
                # are the per-day ones, shown beside the per-day figures.
                now, before = (
                    (d["current_rate"], d["baseline_rate"])
                    if d.get("per_day")
                    else (d["current"], d["baseline"])
                )
                word = (
                    "change_flat"
                    if now == before
                    else "change_up"
                    if now > before
                    else "change_down"
                )
                rel = (
                    p["relative"].format(
                        relative=("+" if d["relative"] > 0 else "") + n(d["relative"])
                    )
                    if d.get("relative") is not None
                    else ""
                )
                line = p[word].format(
                    **ctx,
                    current=n(d["current"]),
                    baseline=n(d["baseline"]),
                    relative="" if d.get("per_day") else rel,
                )
                lines.append(line[:1].upper() + line[1:])
                if d.get("per_day"):
                    per_day = p["per_day"].format(
                        current_rate=n(d["current_rate"]), baseline_rate=n(d["baseline_rate"])
                    )
                    lines.append(per_day.rstrip(".") + rel + ".")
            elif f.kind == "change" and "first" in d:
                lines.append(p["halves"].format(first=n(d["first"]), second=n(d["second"])))
            elif f.kind == "share" and "current" in d:
                lines.append(
                    p["share_change"].format(current=n(d["current"]), baseline=n(d["baseline"]))
                )
            elif f.kind == "driver":
                if not drivers_started:
                    lines.append(p["drivers_head"])
                    drivers_started = True
                share = (
                    p["driver_share"].format(share=n(d["share"]))
                    if d.get("share") is not None
                    else ""
                )
                delta = ("+" if d["delta"] > 0 else "−" if d["delta"] < 0 else "") + n(
                    abs(d["delta"])
                )
                name = inert(d["name"])
                if d.get("dimension", "topic") != "topic":
                    name = f"{p['dimension'][d['dimension']]} {name}"
                lines.append(
                    p["driver_line"].format(
                        name=name,
                        current=n(d["current"]),
                        baseline=n(d["baseline"]),
                        delta=delta,
                        share_text=share,
                    )
                )
                lines += self._quotes(f, quotes, p)
            elif f.kind == "peak":
                lines.append(
                    p["trend_head"].format(
                        **ctx,
                        total=n(trend_total),
                        granularity=p["granularity"][d["granularity"]],
                        start=d["start"],
                        count=n(d["count"]),
                    )
                )
                lines += self._quotes(f, quotes, p)
            elif f.kind == "spike":
                lines.append(
                    p["spike_line"].format(
                        day=d["day"], count=n(d["count"]), expected=n(d["expected"])
                    )
                )
            elif f.kind == "comparison":
                if not any(line == p["compare_head"].format(**ctx) for line in lines):
                    lines.append(p["compare_head"].format(**ctx))
                lines.append(
                    p["compare_line"].format(
                        name=inert(d["name"]),
                        total=n(d["total"]),
                        negative=n(d["negative"]),
                        negative_share=n(d["negative_share"]),
                        positive=n(d["positive"]),
                        positive_share=n(d["positive_share"]),
                    )
                )
                lines += self._quotes(f, quotes, p)
            elif f.kind == "caveat":
                reason = d.get("reason")
                if reason in ("no_topics", "no_topic_matches"):
                    lines.append(p[reason])
                    lines += self._quotes(evidence.facts[evidence.facts.index(f) - 1], quotes, p)
                elif reason in ("small", "noise", "one_side"):
                    lines.append(
                        p[f"caveat_{reason}"].format(n=n(f.numbers[0]) if f.numbers else "")
                    )
        if plan.intent.value == "why_change" and not drivers_started and evidence.facts:
            lines.append(p["no_drivers"])
        return "\n".join(lines).strip()

    @staticmethod
    def _quotes(fact: Fact, quotes: dict[int, Any], p: dict[str, Any]) -> list[str]:
        out = []
        for i in fact.citations:
            q = quotes.get(i)
            if q is not None:
                out.append(p["quote_line"].format(text=inert(q.text, QUOTE_CHARS), id=i))
        return out
