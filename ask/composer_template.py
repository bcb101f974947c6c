"""The offline composer (the embedded default): renders the facts into a clear answer in
English or Russian. Every number it writes comes from a fact; every quote is cited [id].

Each fact model has its own small renderer (``_render`` dispatches on the fact's class); the
renderers share one ``_Answer`` that holds the lines written so far and what a later fact
needs of an earlier one (the trend's total, the sentiment split, whether drivers began).

Quote texts and names (brands, topics, sources, locations, window labels) come from outside;
each passes through ``ask.untrusted.inert`` on its way in, so none can close its quote, form
markup or a link, or hide what follows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from functools import singledispatch
from typing import Any

from ask.facts import (
    BreakdownFact,
    CaveatFact,
    ChangeFact,
    ComparisonFact,
    CountFact,
    DriverFact,
    Evidence,
    FactBase,
    HalvesFact,
    PeakFact,
    Quote,
    SentimentShareFact,
    ShareChangeFact,
    SpikeFact,
)
from ask.phrasing import num, phrases
from ask.plan import Intent, Plan, PlanWindow
from ask.untrusted import inert

QUOTE_CHARS = 220
# The line a count opens the answer with, by intent; a trend's count opens nothing (its peak
# line carries the total). Other intents open with the plain count.
COUNT_HEAD: dict[Intent, str | None] = {
    Intent.SUMMARISE: "summary_head",
    Intent.TREND: None,
    Intent.EXAMPLES: "examples_head",
}


def window_text(w: dict[str, Any] | PlanWindow | None, language: str) -> str:
    # A label can carry words of the question (or of a model's plan): inert like any name.
    return inert(_window_text(w, language))


def _window_text(w: dict[str, Any] | PlanWindow | None, language: str) -> str:
    p = phrases(language)
    if w is None:
        return str(p["all_time"])
    if isinstance(w, dict):
        w = PlanWindow.model_validate(w)
    if w.label == "all time":
        return str(p["all_time"])
    if language == "en":
        return w.label
    last = w.end - timedelta(seconds=1)
    if last.date() == w.start.date():
        return w.start.strftime("%d.%m.%Y")
    return f"{w.start:%d.%m.%Y} – {last:%d.%m.%Y}"


@dataclass
class _Answer:
    """One answer being written: its phrases, the plan's words, the lines so far."""

    plan: Plan
    language: str
    p: dict[str, Any]
    ctx: dict[str, str]  # the plan's words every headline may use
    quotes: dict[int, Quote]
    lines: list[str] = field(default_factory=list)
    previous: FactBase | None = None  # the fact rendered just before this one
    drivers_started: bool = False
    trend_total: int = 0
    split: dict[str, tuple[str, str]] = field(default_factory=dict)  # sentiment: count, share

    def n(self, value: float | None) -> str:
        return num(value, self.language)

    def say(self, key: str, **values: Any) -> None:
        self.lines.append(str(self.p[key]).format(**values))

    def cite(self, fact: FactBase) -> None:
        """The quotes chosen for ``fact``, each on its line with its [id]."""
        for i in fact.citations:
            q = self.quotes.get(i)
            if q is not None:
                self.say("quote_line", text=inert(q.text, QUOTE_CHARS), id=i)


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
        a = _Answer(plan, lang, p, ctx, {q.id: q for q in evidence.quotes})
        for fact in evidence.facts:
            _render(fact, a)
            a.previous = fact
        if plan.intent == Intent.WHY_CHANGE and not a.drivers_started and evidence.facts:
            a.say("no_drivers")
        return "\n".join(a.lines).strip()


@singledispatch
def _render(fact: FactBase, a: _Answer) -> None:
    """Facts the answer does not spell out: the window (the headlines name it) and the
    per-day rates (the change's renderer writes them beside the change)."""


@_render.register
def _count(fact: CountFact, a: _Answer) -> None:
    key = COUNT_HEAD.get(a.plan.intent, "count")
    if fact.total == 0:
        a.say("no_data", **a.ctx)
    elif key:
        a.say(key, **a.ctx, total=a.n(fact.total))
        if key != "summary_head":  # a summary's quotes come with its topics
            a.cite(fact)
    if a.plan.intent == Intent.TREND and fact.total:
        a.trend_total = fact.total


@_render.register
def _share(fact: SentimentShareFact, a: _Answer) -> None:
    # One line for the three sentiments together, written once the last has come.
    a.split[fact.sentiment.value] = (a.n(fact.count), a.n(fact.share))
    if len(a.split) == 3:
        a.say(
            "share",
            **{s: v[0] for s, v in a.split.items()},
            **{f"{s}_share": v[1] for s, v in a.split.items()},
        )


@_render.register
def _breakdown(fact: BreakdownFact, a: _Answer) -> None:
    a.say("topic_line", name=inert(fact.name), count=a.n(fact.count), share=a.n(fact.share))
    a.cite(fact)


@_render.register
def _change(fact: ChangeFact, a: _Answer) -> None:
    # Periods of different lengths compare by rate: the direction and the percent are the
    # per-day ones, shown beside the per-day figures.
    now, before = (
        (fact.current_rate, fact.baseline_rate) if fact.per_day else (fact.current, fact.baseline)
    )
    word = "change_flat" if now == before else "change_up" if now > before else "change_down"
    rel = (
        a.p["relative"].format(relative=("+" if fact.relative > 0 else "") + a.n(fact.relative))
        if fact.relative is not None
        else ""
    )
    line = a.p[word].format(
        **a.ctx,
        current=a.n(fact.current),
        baseline=a.n(fact.baseline),
        relative="" if fact.per_day else rel,
    )
    a.lines.append(line[:1].upper() + line[1:])
    if fact.per_day:
        per_day = a.p["per_day"].format(
            current_rate=a.n(fact.current_rate), baseline_rate=a.n(fact.baseline_rate)
        )
        a.lines.append(per_day.rstrip(".") + rel + ".")


@_render.register
def _halves(fact: HalvesFact, a: _Answer) -> None:
    a.say("halves", first=a.n(fact.first), second=a.n(fact.second))


@_render.register
def _share_change(fact: ShareChangeFact, a: _Answer) -> None:
    a.say("share_change", current=a.n(fact.current), baseline=a.n(fact.baseline))


@_render.register
def _driver(fact: DriverFact, a: _Answer) -> None:
    if not a.drivers_started:
        a.say("drivers_head")
        a.drivers_started = True
    share = "" if fact.share is None else a.p["driver_share"].format(share=a.n(fact.share))
    sign = "+" if fact.delta > 0 else "−" if fact.delta < 0 else ""
    name = inert(fact.name)
    if fact.dimension != "topic":
        name = f"{a.p['dimension'][fact.dimension]} {name}"
    a.say(
        "driver_line",
        name=name,
        current=a.n(fact.current),
        baseline=a.n(fact.baseline),
        delta=sign + a.n(abs(fact.delta)),
        share_text=share,
    )
    a.cite(fact)


@_render.register
def _peak(fact: PeakFact, a: _Answer) -> None:
    a.say(
        "trend_head",
        **a.ctx,
        total=a.n(a.trend_total),
        granularity=a.p["granularity"][fact.granularity],
        start=fact.start.isoformat(),
        count=a.n(fact.count),
    )
    a.cite(fact)


@_render.register
def _spike(fact: SpikeFact, a: _Answer) -> None:
    a.say(
        "spike_line", day=fact.day.isoformat(), count=a.n(fact.count), expected=a.n(fact.expected)
    )


@_render.register
def _comparison(fact: ComparisonFact, a: _Answer) -> None:
    head = a.p["compare_head"].format(**a.ctx)
    if head not in a.lines:
        a.lines.append(head)
    a.say(
        "compare_line",
        name=inert(fact.name),
        total=a.n(fact.total),
        negative=a.n(fact.negative),
        negative_share=a.n(fact.negative_share),
        positive=a.n(fact.positive),
        positive_share=a.n(fact.positive_share),
    )
    a.cite(fact)


@_render.register
def _caveat(fact: CaveatFact, a: _Answer) -> None:
    if fact.reason in ("no_topics", "no_topic_matches"):
        # Without topics to list, the quotes chosen for the count (the fact before) follow.
        a.say(fact.reason)
        if a.previous is not None:
            a.cite(a.previous)
    elif fact.reason in ("small", "noise", "one_side"):
        threshold = "" if fact.threshold is None else a.n(fact.threshold)
        a.say(f"caveat_{fact.reason}", n=threshold)
    # "empty": the count's no_data line already says it.
