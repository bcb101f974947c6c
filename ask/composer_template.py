"""The offline composer (the embedded default): renders the facts into a clear answer in
English or Russian. Every number it writes comes from a fact; every quote is cited [id].

Each fact model has its own small renderer (``_render`` dispatches on the fact's class); the
renderers share one ``_Answer`` that holds the lines written so far and what a later fact
needs of an earlier one (the trend's total, the sentiment split, whether drivers began).

Quote texts and names (brands, topics, sources, locations, window labels) come from outside;
each passes through ``ask.untrusted.inert`` on its way in, so none can close its quote, form
markup or a link, or hide what follows."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta, tzinfo
from functools import singledispatch
from typing import Any
from zoneinfo import ZoneInfo

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
    LabelEstimate,
    NameMatchFact,
    PeakFact,
    PeriodFact,
    Quote,
    RankingFact,
    RatingFact,
    SentimentShareFact,
    ShareChangeFact,
    SpikeFact,
    ThemeFact,
    stars_text,
)
from ask.phrasing import (
    day_text,
    has_phrases,
    mentions,
    month_text,
    num,
    phrases,
    plural,
    year_text,
)
from ask.plan import Intent, Plan, PlanWindow
from ask.untrusted import inert

UTC_ZONE = ZoneInfo("UTC")
QUOTE_CHARS = 220
# An estimate's range counts as wide (the answer then says random audits would narrow it)
# when it spans more than this share of the estimate, wider than about ±25 %, and the
# estimate is at least WIDE_FROM (a few mentions either way is no reason to audit).
WIDE_RANGE = 0.5
WIDE_FROM = 10
# The line a count opens the answer with, by intent; a trend's count opens nothing (its peak
# line carries the total). Other intents open with the plain count.
COUNT_HEAD: dict[Intent, str | None] = {
    Intent.SUMMARISE: "summary_head",
    Intent.TREND: None,
    Intent.EXAMPLES: "examples_head",
    Intent.RANK: None,  # the ranking's head carries the scope
    Intent.SHARE: None,  # the share line carries the count
    Intent.COMPARE: None,
}
# A series longer than this is summarised by its peak and halves rather than listed.
SERIES_LINES = 14
SERIES_ASKED = 62


def window_text(w: dict[str, Any] | PlanWindow | None, language: str, tz: tzinfo = UTC_ZONE) -> str:
    # A label can carry words of the question (or of a model's plan): inert like any name.
    return inert(_window_text(w, language, tz))


def _window_text(w: dict[str, Any] | PlanWindow | None, language: str, tz: tzinfo) -> str:
    p = phrases(language)
    if w is None:
        return str(p["all_time"])
    if isinstance(w, dict):
        w = PlanWindow.model_validate(w)
    if w.label == "all time":
        return str(p["all_time"])
    if language == "en":
        return w.label
    # A period cut at the reference day is still named as the whole period it is.
    return period_text(w.start.astimezone(tz), (w.named_end or w.end).astimezone(tz), language)


def period_text(start: Any, end: Any, language: str) -> str:
    """A period in the reader's words: a day, a calendar month, else first – last day. The
    planner's labels are English; other languages are written from the dates."""
    last = end - timedelta(seconds=1)
    if last.date() == start.date():
        return day_text(start, language)
    if (start.month, start.day, last.month, last.day) == (1, 1, 12, 31) and start.year == last.year:
        return year_text(start.year, language)
    if (
        start.day == 1
        and (last + timedelta(days=1)).day == 1
        and (
            start.year,
            start.month,
        )
        == (last.year, last.month)
    ):
        return month_text(start, language)
    return f"{start:%d.%m.%Y} – {last:%d.%m.%Y}"


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
    periods_started: bool = False
    themes_started: bool = False
    trend_total: int = 0
    trend_sentiment: str | None = None
    share_total: int = 0
    series: list[tuple[str, str]] = field(default_factory=list)
    grouped: bool = False  # topics or themes follow the count
    sides: int = 0  # brands of a side-by-side series written so far
    cited: set[str] = field(default_factory=set)
    tz: tzinfo = UTC_ZONE  # the plan's: local dates in the reader's words
    split: dict[str, tuple[str, str]] = field(default_factory=dict)  # sentiment: count, share
    split_estimates: list[str] = field(default_factory=list)  # the split's estimates that matter
    trend_estimate: LabelEstimate | None = None
    pending: list[str] = field(default_factory=list)  # said before the caveats (or at the end)

    def n(self, value: float | None) -> str:
        return num(value, self.language)

    def mentions(self, value: float, sentiment: str | None = None) -> str:
        return mentions(value, sentiment, self.language)

    def asked(self) -> str | None:
        return self.plan.sentiment.value if self.plan.sentiment else None

    def say(self, key: str, **values: Any) -> None:
        self.lines.append(str(self.p[key]).format(**values))

    def estimate_line(self, est: LabelEstimate | None, exact: float, sentiment: str | None) -> str:
        """ "Allowing for labelling errors: about 95 negative mentions (80–110)." where the
        estimate matters (ask.facts.LabelEstimate.matters), else nothing."""
        if est is None or not est.matters(exact):
            return ""
        line = str(self.p["estimate_line"]).format(
            mentions=self.mentions(est.value, sentiment), low=self.n(est.low), high=self.n(est.high)
        )
        wide = est.value >= WIDE_FROM and est.high - est.low > WIDE_RANGE * est.value
        if est.method == "pcc" and wide:
            # The range is the shipped model's general error: the workspace's own random
            # audits (analytics.prevalence, MIN_AUDITS) are what narrows it, so say so.
            line += str(self.p["estimate_narrow"])
        return line

    def estimate_note(
        self,
        est: LabelEstimate | None,
        exact: float,
        key: str = "estimate_note",
        *,
        shown: bool | None = None,
    ) -> str:
        """ " (about 95, 80–110)" after a listed count (or share) where its estimate matters
        (``shown`` decides instead, for a share that goes with its count's estimate)."""
        if est is None:
            return ""
        if shown is None:
            shown = est.matters(exact, "share" if key.endswith("share") else "count")
        if not shown:
            return ""
        return str(self.p[key]).format(
            value=self.n(est.value), low=self.n(est.low), high=self.n(est.high)
        )

    def estimate_item(self, est: LabelEstimate | None, exact: float, sentiment: str) -> str:
        if est is None or not est.matters(exact):
            return ""
        return str(self.p["estimate_item"]).format(
            value=self.n(est.value),
            low=self.n(est.low),
            high=self.n(est.high),
            sentiment=str(self.p["sentiment"][sentiment]).strip(),
        )

    def flush(self) -> None:
        self.lines.extend(self.pending)
        self.pending.clear()

    def cite(self, fact: FactBase) -> None:
        """The quotes chosen for ``fact``, each on its line with its [id] (once per fact)."""
        if fact.id in self.cited:
            return
        self.cited.add(fact.id)
        for i in fact.citations:
            q = self.quotes.get(i)
            if q is not None:
                self.say("quote_line", text=inert(q.text, QUOTE_CHARS), id=i)


class TemplateComposer:
    def compose(self, plan: Plan, evidence: Evidence, display: dict[str, str] | None = None) -> str:
        """``display`` maps catalog ids to their display names ("megafon" -> "МегаФон")."""
        lang = plan.language if has_phrases(plan.language) else "en"
        tz = ZoneInfo(plan.timezone)
        p = phrases(lang)
        display = display or {}
        names = [inert(display.get(name, name)) for name in plan.brands + plan.entities]
        names += [inert(n.name) for n in plan.names if not n.term]
        about = p.get("about_many", p["about"]) if len(names) > 1 else p["about"]
        sentiment = plan.sentiment.value if plan.sentiment else "none"
        ctx = {
            "sentiment": p["sentiment"][sentiment],
            "sentiment_nom": p.get("sentiment_nom", p["sentiment"])[sentiment],
            "sentiment_word": p["sentiment"][sentiment].strip(),
            "about": about.format(names=", ".join(names)) if names else "",
            "window": window_text(plan.window, lang, tz),
            "baseline_window": window_text(plan.baseline, lang, tz),
        }
        a = _Answer(plan, lang, p, ctx, {q.id: q for q in evidence.quotes}, tz=tz)
        a.grouped = any(isinstance(f, BreakdownFact | ThemeFact) for f in evidence.facts)
        for fact in evidence.facts:
            if isinstance(fact, CaveatFact):
                a.flush()  # what qualifies the numbers comes after all of them
            _render(fact, a)
            a.previous = fact
        a.flush()
        if (
            plan.intent == Intent.WHY_CHANGE
            and not a.drivers_started
            and not a.themes_started
            and evidence.facts
        ):
            a.say("no_drivers")
        return "\n".join(_tidy(line) for line in a.lines).strip()


_DOUBLE_STOP = re.compile(r"(?<!\.)\.\.(?!\.)")


def _tidy(line: str) -> str:
    """A line as shown: capitalised where it opens with a placeholder ("{sentiment}mentions…";
    title case, which leaves scripts without capitals, such as Georgian, alone), and one full
    stop where a date's own ("2015 г.") meets the sentence's. Quote lines are left as written."""
    if line.lstrip().startswith("«"):
        return line
    return _DOUBLE_STOP.sub(".", line[:1].title() + line[1:])


@singledispatch
def _render(fact: FactBase, a: _Answer) -> None:
    """Facts the answer does not spell out: the window (the headlines name it) and the
    per-day rates (the change's renderer writes them beside the change)."""


@_render.register
def _count(fact: CountFact, a: _Answer) -> None:
    if fact.side is not None:
        # One brand of a series compared side by side: its total, then its buckets.
        head = a.p["compare_head"].format(**a.ctx)
        if head not in a.lines:
            a.lines.append(head)
        a.sides += 1
        a.say(
            "rank_line",
            rank=a.sides,
            name=inert(fact.side),
            mentions=a.mentions(fact.total, _sentiment(fact))
            + a.estimate_note(fact.estimate, fact.total),
            share_text="",
        )
        for pt in (fact.series or [])[:SERIES_ASKED]:
            a.say("series_line", start=pt.start.isoformat(), count=a.n(pt.count))
        a.cite(fact)
        return
    key = COUNT_HEAD.get(a.plan.intent, "count")
    if a.plan.intent is Intent.RANK and a.grouped:
        key = "summary_head"  # a ranking of topics is the summary's topic breakdown
    if key == "summary_head" and not a.grouped:
        key = "count"  # nothing to list under "Most discussed:"
    if a.plan.intent == Intent.SHARE:
        a.share_total = fact.total
        if fact.total == 0:
            a.say("no_data", **a.ctx)
        return
    if fact.total == 0:
        if a.plan.intent not in (Intent.RANK, Intent.COMPARE):
            a.say("no_data", **a.ctx)
    elif key:
        a.say(key, **a.ctx, mentions=a.mentions(fact.total, _sentiment(fact)))
        estimate = a.estimate_line(fact.estimate, fact.total, _sentiment(fact))
        if estimate and key == "count":
            a.lines.append(estimate)  # right under the count it qualifies
        elif estimate:
            a.pending.append(estimate)  # after the list or examples that follow the head
        # A summary's quotes come with its topics, or after the line saying there are none.
        if key != "summary_head" and a.plan.intent is not Intent.SUMMARISE:
            a.cite(fact)
    if a.plan.intent == Intent.TREND and fact.total:
        a.trend_total = fact.total
        a.trend_sentiment = _sentiment(fact)
        a.trend_estimate = fact.estimate
        # Listed when asked for by step ("by day"), else when short enough to read.
        limit = SERIES_ASKED if a.plan.granularity else SERIES_LINES
        if fact.series and len(fact.series) <= limit:
            a.series = [(pt.start.isoformat(), a.n(pt.count)) for pt in fact.series]


def _sentiment(fact: Any) -> str | None:
    return fact.sentiment.value if fact.sentiment else None


@_render.register
def _share(fact: SentimentShareFact, a: _Answer) -> None:
    if a.plan.intent == Intent.SHARE and a.plan.sentiment is not None:
        # "What share … were negative": one line with the asked part and its whole.
        a.say(
            "share_head",
            **a.ctx,
            mentions=a.mentions(a.share_total),
            count=a.n(fact.count),
            share=a.n(fact.share),
        )
        est, share = fact.estimate, fact.share_estimate
        if est is not None and share is not None and est.matters(fact.count):
            a.say(
                "estimate_share_line",
                share=a.n(share.value),
                share_low=a.n(share.low),
                share_high=a.n(share.high),
                count=a.n(est.value),
                low=a.n(est.low),
                high=a.n(est.high),
            )
        if isinstance(a.previous, CountFact):
            a.cite(a.previous)
        a.cite(fact)
        return
    # One line for the three sentiments together, written once the last has come.
    a.split[fact.sentiment.value] = (a.n(fact.count), a.n(fact.share))
    item = a.estimate_item(fact.estimate, fact.count, fact.sentiment.value)
    if item:
        a.split_estimates.append(item)
    if len(a.split) == 3:
        a.say(
            "share",
            **{s: v[0] for s, v in a.split.items()},
            **{f"{s}_share": v[1] for s, v in a.split.items()},
        )
        if a.split_estimates:
            a.say("estimate_split", items=", ".join(a.split_estimates))


@_render.register
def _breakdown(fact: BreakdownFact, a: _Answer) -> None:
    a.say(
        "topic_line", name=inert(fact.name), mentions=a.mentions(fact.count), share=a.n(fact.share)
    )
    a.cite(fact)


@_render.register
def _change(fact: ChangeFact, a: _Answer) -> None:
    # Periods of different lengths compare by rate: the direction and the percent are the
    # per-day ones, shown beside the per-day figures.
    now, before = (
        (fact.current_rate, fact.baseline_rate) if fact.per_day else (fact.current, fact.baseline)
    )
    ctx = a.ctx
    if len(a.plan.periods) >= 2:  # named periods: the last against the first
        ctx = {
            **a.ctx,
            "window": window_text(a.plan.periods[-1], a.language, a.tz),
            "baseline_window": window_text(a.plan.periods[0], a.language, a.tz),
        }
    word = "change_flat" if now == before else "change_up" if now > before else "change_down"
    rel = (
        a.p["relative"].format(relative=("+" if fact.relative > 0 else "") + a.n(fact.relative))
        if fact.relative is not None
        else ""
    )
    # Per day, the sentence says so itself: "rose" of 175 against 177 would contradict its
    # own numbers when the periods' days with data differ.
    line = a.p[f"{word}_rate" if fact.per_day else word].format(
        **ctx,
        current=a.n(fact.current),
        baseline=a.n(fact.baseline),
        current_rate=a.n(fact.current_rate),
        baseline_rate=a.n(fact.baseline_rate),
        relative=rel,
    )
    a.lines.append(line)
    if fact.estimates_matter():
        _say_estimates(a, "estimate_change", fact.current_estimate, fact.baseline_estimate, ctx)


@_render.register
def _halves(fact: HalvesFact, a: _Answer) -> None:
    a.say("halves", first=a.n(fact.first), second=a.n(fact.second))


@_render.register
def _share_change(fact: ShareChangeFact, a: _Answer) -> None:
    a.say("share_change", current=a.n(fact.current), baseline=a.n(fact.baseline))
    if fact.estimates_matter():
        _say_estimates(
            a, "estimate_share_change", fact.current_estimate, fact.baseline_estimate, {}
        )


def _say_estimates(a: _Answer, key: str, now: Any, before: Any, ctx: dict[str, Any]) -> None:
    """The two periods' estimates with their intervals, where both have one."""
    if now is None or before is None:
        return
    a.say(
        key,
        **ctx,
        current=a.n(now.value),
        current_low=a.n(now.low),
        current_high=a.n(now.high),
        baseline=a.n(before.value),
        baseline_low=a.n(before.low),
        baseline_high=a.n(before.high),
    )


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
        mentions=a.mentions(a.trend_total, a.trend_sentiment),
        granularity=a.p["granularity"][fact.granularity],
        start=fact.start.isoformat(),
        count=a.n(fact.count),
    )
    estimate = a.estimate_line(a.trend_estimate, a.trend_total, a.trend_sentiment)
    if estimate:
        a.lines.append(estimate)
    for start, count in a.series:
        a.say("series_line", start=start, count=count)
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
        mentions=a.mentions(fact.total),
        negative=a.n(fact.negative),
        negative_share=a.n(fact.negative_share),
        positive=a.n(fact.positive),
        positive_share=a.n(fact.positive_share),
    )
    items = [
        item
        for item in (
            a.estimate_item(fact.negative_estimate, fact.negative, "negative"),
            a.estimate_item(fact.positive_estimate, fact.positive, "positive"),
        )
        if item
    ]
    if items:
        a.lines.append("  " + str(a.p["estimate_split"]).format(items=", ".join(items)))
    a.cite(fact)


@_render.register
def _ranking(fact: RankingFact, a: _Answer) -> None:
    dim = fact.dimension
    by = a.p.get("dimension_by", {}).get(dim) or f"by {a.p['dimension'].get(dim, dim)}"
    head = {"count": "rank_head", "share": "rank_head_share", "rating": "rank_head_rating"}
    order = {"count": "rank_order", "share": "rank_order_share", "rating": "rank_order_rating"}
    a.say(
        head[fact.measure],
        **a.ctx,
        dimension=a.p["dimension"].get(dim, dim),
        dimension_by=by,
        order=a.p[order[fact.measure]][fact.order],
    )
    sentiment = _sentiment(fact)
    for rank, item in enumerate(fact.items, start=1):
        if fact.measure == "rating":
            a.say(
                "rank_line_rating",
                rank=rank,
                name=inert(item.name),
                rating=a.n(item.rating),
                ratings=plural(a.p["ratings"]["forms"], item.total, a.language),
            )
        elif fact.measure == "share":
            a.say(
                "rank_line_share",
                rank=rank,
                name=inert(item.name),
                share=a.n(item.share),
                count=a.n(item.count),
                total=a.n(item.total),
            )
            a.lines[-1] += a.estimate_note(
                item.share_estimate,
                item.share or 0.0,
                "estimate_note_share",
                shown=item.estimate is not None and item.estimate.matters(item.count),
            )
        else:
            share = (
                ""
                if sentiment is None or item.share is None
                else a.p["rank_share"].format(share=a.n(item.share), total=a.n(item.total))
            )
            a.say(
                "rank_line",
                rank=rank,
                name=inert(item.name),
                mentions=a.mentions(item.count, sentiment)
                + a.estimate_note(item.estimate, item.count),
                share_text=share,
            )
    if fact.others:
        a.say("rank_others", n=a.n(fact.others))
    a.cite(fact)


@_render.register
def _period(fact: PeriodFact, a: _Answer) -> None:
    if not a.periods_started:
        a.say("periods_head", **a.ctx)
        a.periods_started = True
    share = (
        ""
        if fact.share is None
        else a.p["period_share"].format(share=a.n(fact.share), total=a.n(fact.total))
    )
    a.say(
        "period_line",
        label=window_text(
            next(
                (w for w in a.plan.periods if w.start == fact.start),
                PlanWindow(start=fact.start, end=fact.end, label=fact.label),
            ),
            a.language,
            a.tz,
        ),
        mentions=a.mentions(fact.count, _sentiment(fact))
        + a.estimate_note(fact.estimate, fact.count),
        share_text=share,
        per_day_text=a.p["period_per_day"].format(per_day=a.n(fact.per_day)),
        partial=a.p["partial_mark"] if fact.partial else "",
    )
    a.cite(fact)


@_render.register
def _rating(fact: RatingFact, a: _Answer) -> None:
    if fact.rated == 0:
        return  # the no_ratings caveat says it
    a.say(
        "rating_line",
        **a.ctx,
        average=a.n(fact.average),
        ratings=plural(a.p["ratings"]["forms"], fact.rated, a.language),
        low=a.n(fact.low),
        low_share=a.n(fact.low_share),
    )
    for point in fact.series or []:
        if point.rated:
            ratings = plural(a.p["ratings"]["forms"], point.rated, a.language)
            a.say(
                "series_line",
                start=point.start.isoformat(),
                count=f"{a.n(point.average)} ({ratings})",
            )
    if fact.nps is not None:
        a.say("nps_line", nps=a.n(fact.nps))
    if fact.part is not None:
        a.say(
            "rating_part_line",
            **a.ctx,
            ratings=plural(a.p["ratings"]["forms"], fact.rated, a.language),
            range=stars_text(fact.part_min, fact.part_max),
            part=a.n(fact.part),
            part_share=a.n(fact.part_share),
        )
    a.cite(fact)


@_render.register
def _name_match(fact: NameMatchFact, a: _Answer) -> None:
    if fact.count:
        a.say(
            "term_match" if fact.term else "name_match",
            name=inert(fact.name),
            mentions=a.mentions(fact.count),
            count=a.n(fact.count),
        )


@_render.register
def _theme(fact: ThemeFact, a: _Answer) -> None:
    if not a.themes_started:
        a.say("themes_head")
        a.themes_started = True
    change = (
        ""
        if fact.baseline is None
        else a.p["theme_change"].format(
            baseline=a.n(fact.baseline),
            delta=("+" if (fact.delta or 0) > 0 else "−" if (fact.delta or 0) < 0 else "")
            + a.n(abs(fact.delta or 0)),
        )
    )
    a.say(
        "theme_line",
        name=inert(fact.name),
        mentions=a.mentions(fact.current),
        share=a.n(fact.share),
        change=change,
    )
    a.cite(fact)


@_render.register
def _caveat(fact: CaveatFact, a: _Answer) -> None:
    if fact.reason in ("no_topics", "no_topic_matches"):
        # Without topics to list, the quotes chosen for the count (the fact before) follow.
        a.say(fact.reason)
        if a.previous is not None:
            a.cite(a.previous)
    elif fact.reason in (
        "small",
        "noise",
        "one_side",
        "partial_period",
        "no_data_period",
        "unknown_name",
        "not_understood",
        "no_ratings",
        "no_dimension",
        "brand_authors",
        "sample",
        "overlap",
        "no_nps",
        "within_label_error",
    ):
        threshold = "" if fact.threshold is None else a.n(fact.threshold)
        subject = inert(fact.subject or "")
        if fact.window is not None:
            subject = window_text(fact.window, a.language, a.tz)
        if fact.reason == "no_dimension":
            subject = a.p["dimension"].get(subject, subject)
        a.say(f"caveat_{fact.reason}", n=threshold, subject=subject)
    # "empty": the count's no_data line already says it; "discovered_themes": the themes'
    # head says it.
