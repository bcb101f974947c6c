"""Building a brief: the ask engine's analyses run over the brief's periods, one per section,
then the key figures, the headline and the things to look at derived from their facts.

Each section is a plan the engine already answers (the volume change and what moved it, the
negative change and the topics driving it, what positive mentions are about, themes that
grew, days that spiked, the period against a longer baseline), analysed and phrased exactly
as a question would be: a brief reuses the analytics, quotes and composer, it copies none.
Only what no question produces (share of voice with its significance, notable mentions, the
last brief's issues counted again) is computed here, from analytics and the store."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, tzinfo
from typing import Any, TypeVar, cast

from sqlalchemy import Engine

from analytics.counts import series, window_counts
from analytics.drivers import drivers
from analytics.scope import Scope, Window
from analytics.stats import rate_test, two_proportion_z
from analytics.voice import share_of_voice
from ask.composer_template import TemplateComposer, period_text, window_text
from ask.facts import (
    CaveatFact,
    ChangeFact,
    CountFact,
    DriverFact,
    Evidence,
    Fact,
    KpiFact,
    NotableFact,
    PeriodFact,
    Quote,
    RatingFact,
    SentimentShareFact,
    ShareChangeFact,
    SpikeFact,
    ThemeFact,
    VoiceFact,
)
from ask.phrasing import has_phrases, phrases, raw
from ask.plan import Intent, Plan, PlanWindow
from ask.quotes import QUOTE_CHARS
from ask.untrusted import inert
from briefs.model import Action, ActionKind, Brief, BriefFilters, DayPoint, Section, SectionKey
from hark.domain import SearchFilters, Sentiment
from store import coverage as coverage_store
from store import evidence as evidence_store

# The longer baseline: this many periods before the previous one.
BASELINE_PERIODS = 4
SIGNIFICANCE = 0.05
# A theme is emerging when it has at least this many mentions now and at most this part of
# them in the period before.
EMERGING_MIN = 5
EMERGING_BEFORE = 1 / 3
NOTABLE = 2  # mentions per notable kind
VOICE_ROWS = 8
RISING_ACTIONS = 3
# A rating change worth looking at, in stars.
RATING_DROP = 0.2
NAME_CHARS = 60
# Topics that grew while the negative total did not: read this many, show this many.
GROWN_CANDIDATES = 50
GROWN_SHOWN = 3
QUOTES_PER_TOPIC = 2
# Section analyses run at once (prefetch): two keep both cores busy.
WORKERS = 2

F = TypeVar("F")

# (plan) -> (evidence, display names of catalog ids): ``Asker.evidence`` for one workspace.
EvidenceFn = Callable[[Plan], tuple[Evidence, dict[str, str]]]


@dataclass
class BriefRequest:
    workspace: str
    period: PlanWindow
    language: str = "en"
    filters: BriefFilters = field(default_factory=BriefFilters)
    timezone: str = "UTC"
    baseline_periods: int = BASELINE_PERIODS


@dataclass
class Workspace:
    """What building a brief needs of the ask engine for one workspace."""

    engine: Engine
    evidence: EvidenceFn
    tz: tzinfo
    display: dict[str, str]  # catalog entity id -> its display name
    topic_names: dict[str, str]  # taxonomy topic id -> its name
    has_entities: bool


def previous_of(period: PlanWindow, n: int = 1, tz: tzinfo = UTC) -> PlanWindow:
    """The ``n`` periods of the same length just before ``period``, as one window."""
    start = period.start - n * (period.end - period.start)
    return window(start, period.start, tz)


def window(start: datetime, end: datetime, tz: tzinfo = UTC) -> PlanWindow:
    """A brief's period, labelled as the planner labels periods (in English: facts'
    statements are English; composers write other languages from the dates)."""
    return PlanWindow(
        start=start, end=end, label=period_text(start.astimezone(tz), end.astimezone(tz), "en")
    )


class _Builder:
    def __init__(self, ws: Workspace, request: BriefRequest, previous_brief: Brief | None):
        self.ws = ws
        self.r = request
        self.language = request.language if has_phrases(request.language) else "en"
        self.p = phrases(self.language)["brief"]
        self.period = request.period
        self.previous = previous_of(request.period, 1, ws.tz)
        self.baseline = (
            previous_of(self.previous, request.baseline_periods, ws.tz)
            if request.baseline_periods
            else None
        )
        self.previous_brief = previous_brief
        self.sections: list[Section] = []
        self.quotes: dict[int, Quote] = {}
        self.composer = TemplateComposer()
        self.timings: dict[str, float] = {}
        # Section analyses started ahead (prefetch), taken by key when the section is built.
        self.pending: dict[str, Future[tuple[Evidence, dict[str, str]]]] = {}
        f = request.filters
        self.search_filters = SearchFilters(
            brands=f.brands, sources=f.sources, locations=f.locations, languages=f.languages
        )
        self.scope = Scope(request.workspace, self.search_filters)

    # -- plans through the ask engine ---------------------------------------------------

    def plan(self, intent: Intent, window: PlanWindow, **fields: Any) -> Plan:
        f = self.r.filters
        return Plan(
            question=f"brief: {intent.value}",
            intent=intent,
            language=self.language,
            reference=window.end,
            window=window,
            timezone=self.r.timezone,
            brands=f.brands,
            sources=f.sources,
            locations=f.locations,
            languages=f.languages,
            planner="brief",
            **fields,
        )

    def analysed(
        self,
        key: SectionKey,
        plan: Plan,
        *,
        keep: Callable[[Fact], bool] | None = None,
        compose: bool = True,
    ) -> Section:
        t0 = time.perf_counter()
        fetched = self.pending.pop(key, None)
        evidence, display = fetched.result() if fetched is not None else self.ws.evidence(plan)
        if keep is not None:
            evidence = _kept(evidence, keep)
        text = self.composer.compose(plan, evidence, display) if compose else ""
        section = self.add(key, evidence, text)
        self.timings[key] = round((time.perf_counter() - t0) * 1000, 1)
        return section

    def add(self, key: SectionKey, evidence: Evidence, text: str) -> Section:
        """The section with its fact ids made unique in the brief ("rising.f3")."""
        renamed = {f.id: f"{key}.{f.id}" for f in evidence.facts}
        for f in evidence.facts:
            f.id = renamed[f.id]
        for q in evidence.quotes:
            q = q.model_copy(
                update={"illustrates": renamed.get(q.illustrates or "", q.illustrates)}
            )
            self.quotes.setdefault(q.id, q)
        section = Section(
            key=key, title=str(self.p["section"][key]), text=text, facts=evidence.facts
        )
        self.sections.append(section)
        return section

    # -- sections -------------------------------------------------------------------------

    def build(self) -> Brief:
        t0 = time.perf_counter()
        with ThreadPoolExecutor(WORKERS, thread_name_prefix="hark-brief") as pool:
            plans = self.section_plans()
            self.prefetch(pool, plans)
            try:
                return self.assemble(t0, plans)
            finally:
                for fetched in self.pending.values():
                    fetched.cancel()

    def prefetch(self, pool: ThreadPoolExecutor, plans: dict[str, Plan]) -> None:
        """Start every section's analysis at once: they read the same stores independently
        (as concurrent questions do), and SQLite and numpy work outside the GIL, so a
        brief takes about the time of its slowest analyses rather than of all of them."""
        for key, plan in plans.items():
            self.pending[key] = pool.submit(self.ws.evidence, plan)

    def section_plans(self) -> dict[str, Plan]:
        """The plans of the sections the ask engine answers, by section key (and the
        previous period's sentiment mix), in the order the brief shows them."""
        plans = {
            "volume": self.plan(Intent.WHY_CHANGE, self.period, baseline=self.previous),
            "sentiment": self.plan(Intent.SHARE, self.period),
            "previous": self.plan(Intent.SHARE, self.previous),
            "rising": self.plan(
                Intent.WHY_CHANGE,
                self.period,
                baseline=self.previous,
                sentiment=Sentiment.NEGATIVE,
            ),
            "praise": self.plan(Intent.SUMMARISE, self.period, sentiment=Sentiment.POSITIVE),
            "emerging": self.plan(
                Intent.RANK, self.period, baseline=self.previous, group_by="theme"
            ),
            "spikes": self.plan(Intent.TREND, self.period, granularity="day"),
        }
        if self.baseline is not None:
            plans["baseline"] = self.plan(
                Intent.COMPARE, self.period, periods=[self.baseline, self.period]
            )
        return plans

    def evidence(self, key: str, plan: Plan) -> Evidence:
        fetched = self.pending.pop(key, None)
        return (fetched.result() if fetched is not None else self.ws.evidence(plan))[0]

    def assemble(self, t0: float, plans: dict[str, Plan]) -> Brief:
        if self.previous_brief is not None:
            self.since_last()
        volume = self.analysed("volume", plans["volume"])
        sentiment = self.analysed("sentiment", plans["sentiment"])
        with self.timed("previous"):
            before = self.evidence("previous", plans["previous"])
            # Ratings only where there are any: two analyses saved on tweets and posts.
            ratings = (
                [
                    self.ws.evidence(self.plan(Intent.COUNT, w, measure="rating"))[0]
                    for w in (self.period, self.previous)
                ]
                if self.rated()
                else [Evidence(), Evidence()]
            )
        rising = self.analysed("rising", plans["rising"])
        with self.timed("grown"):
            self.grown_topics(rising)
        self.analysed("praise", plans["praise"])
        self.emerging(plans["emerging"])
        self.analysed(
            "spikes",
            plans["spikes"],
            keep=lambda f: isinstance(f, SpikeFact),
            compose=False,
        )
        self.spikes_text()
        with self.timed("brands"):
            self.brands()
        with self.timed("notable"):
            self.notable()
        if self.baseline is not None:
            section = self.analysed("baseline", plans["baseline"])
            if any(
                isinstance(f, CaveatFact) and f.reason == "no_data_period" for f in section.facts
            ):
                # No data before the previous period: nothing to set the period against.
                self.sections.remove(section)
        kpis = self.kpis(volume, sentiment, before, rising, ratings)
        with self.timed("series"):
            series = self.series()
        actions = self.actions()
        headline = self.headline(kpis)
        brief = Brief(
            workspace=self.r.workspace,
            language=self.language,
            period=self.period,
            previous=self.previous,
            baseline=self.baseline,
            timezone=self.r.timezone,
            filters=self.r.filters,
            headline=headline,
            summary=self.summary(kpis),
            kpis=kpis,
            sections=[s for s in self.sections if s.facts],
            actions=actions,
            quotes=list(self.quotes.values()),
            series=series,
            previous_brief=self.previous_brief.id if self.previous_brief else None,
        )
        self.timings["total"] = round((time.perf_counter() - t0) * 1000, 1)
        brief.timings_ms = self.timings
        return brief

    @contextmanager
    def timed(self, key: str) -> Iterator[None]:
        t0 = time.perf_counter()
        yield
        self.timings[key] = round((time.perf_counter() - t0) * 1000, 1)

    def rated(self) -> bool:
        """Whether any mention in scope over the previous period and this one has a rating."""
        with self.ws.engine.connect() as conn:
            stats = coverage_store.rating_stats(
                conn, scope=self.scope, window=Window(self.previous.start, self.period.end)
            ).get(None)
        return bool(stats and stats["rated"])

    def grown_topics(self, rising: Section) -> None:
        """Topics whose negative mentions grew although the negative total did not: the
        ask engine shows the drivers of a change in its own direction (right for "why did
        complaints fall?"), but a brief must still name an issue that is growing."""
        if any(isinstance(f, DriverFact) and f.dimension == "topic" for f in rising.facts):
            change = _first(rising.facts, ChangeFact)
            if change is None or change.current > change.baseline:
                return
        report = drivers(
            self.ws.engine,
            self.scope,
            self.period,
            self.previous,
            dimension="topic",
            sentiment=Sentiment.NEGATIVE.value,
            limit=GROWN_CANDIDATES,
        )
        shown = {f.value for f in rising.facts if isinstance(f, DriverFact)}
        grown = sorted(
            (d for d in report.drivers if d.contribution > 0 and d.value not in shown),
            key=lambda d: (-d.contribution, d.value),
        )[:GROWN_SHOWN]
        if not report.available or not grown:
            return
        lines = [str(self.p["grew_head"])]
        with self.ws.engine.connect() as conn:
            for i, d in enumerate(grown, start=1):
                topic_scope = replace(
                    self.scope,
                    topics=(d.value,),
                    filters=self.search_filters.model_copy(
                        update={"sentiments": [Sentiment.NEGATIVE]}
                    ),
                )
                rows = evidence_store.scope_rows(
                    conn,
                    scope=topic_scope,
                    window=self.period,
                    limit=QUOTES_PER_TOPIC,
                    topic_sentiment=Sentiment.NEGATIVE.value,
                )
                fact = DriverFact(
                    id=f"rising.grew{i}",
                    dimension="topic",
                    value=d.value,
                    name=inert(self.ws.topic_names.get(d.value, d.value))[:NAME_CHARS],
                    current=d.current,
                    baseline=d.baseline,
                    delta=d.delta,
                    share=None,
                    significant=d.significant,
                    citations=[r.id for r in rows],
                )
                rising.facts.append(fact)
                for r in rows:
                    self.quotes.setdefault(r.id, _quote(r, fact.id))
                lines.append(
                    str(self.p["since_last_line"]).format(
                        name=fact.name,
                        current=raw(fact.current, self.language),
                        baseline=raw(fact.baseline, self.language),
                        delta=f"{fact.delta:+d}",
                    )
                    + self.cited(fact)
                )
        rising.text += "\n" + "\n".join(lines)

    def since_last(self) -> None:
        """The rising issues of the last brief, counted again: still rising, or easing."""
        assert self.previous_brief is not None
        last = self.previous_brief.section("rising")
        flagged = [
            f
            for f in (last.facts if last else [])
            if isinstance(f, DriverFact) and f.dimension == "topic" and f.delta > 0
        ]
        if not flagged:
            return
        then_window = self.previous_brief.period
        counts = window_counts(
            self.ws.engine,
            self.scope,
            [self.period],
            ["topic"],
            sentiment=Sentiment.NEGATIVE.value,
        )
        now_days = (self.period.end - self.period.start).total_seconds() / 86_400
        then_days = (then_window.end - then_window.start).total_seconds() / 86_400
        facts: list[Fact] = []
        for i, old in enumerate(flagged, start=1):
            now = counts.get((0, old.value), 0)
            p = rate_test(now, now_days, old.current, then_days)
            facts.append(
                DriverFact(
                    id=f"f{i}",
                    dimension="topic",
                    value=old.value,
                    name=old.name,
                    current=now,
                    baseline=old.current,
                    delta=now - old.current,
                    share=None,
                    significant=p < SIGNIFICANCE,
                )
            )
        when = window_text(then_window, self.language, self.ws.tz)
        lines = [str(self.p["since_last_head"]).format(period=when)]
        lines += [
            str(self.p["since_last_line"]).format(
                name=f.name,
                current=raw(f.current, self.language),
                baseline=raw(f.baseline, self.language),
                delta=f"{f.delta:+d}",
            )
            for f in facts
            if isinstance(f, DriverFact)
        ]
        self.add("since_last", Evidence(facts=facts), "\n".join(lines))

    def emerging(self, plan: Plan) -> None:
        """Themes the clustering finds now that had little or nothing in the period before."""

        def new(f: Fact) -> bool:
            return (
                isinstance(f, ThemeFact)
                and f.baseline is not None
                and f.current >= EMERGING_MIN
                and f.baseline <= EMERGING_BEFORE * f.current
            )

        self.analysed(
            "emerging",
            plan,
            keep=new,
            compose=False,
        )
        section = self.sections[-1]
        section.text = "\n".join(
            str(self.p["emerging_line"]).format(
                name=f.name,
                current=raw(f.current, self.language),
                baseline=raw(f.baseline or 0, self.language),
            )
            + self.cited(f)
            for f in section.facts
            if isinstance(f, ThemeFact)
        )

    def spikes_text(self) -> None:
        section = self.sections[-1]
        section.text = "\n".join(
            str(self.p["spike_line"]).format(
                day=f.day.isoformat(),
                count=raw(f.count, self.language),
                expected=raw(f.expected, self.language),
            )
            for f in section.facts
            if isinstance(f, SpikeFact)
        )

    def brands(self) -> None:
        """Share of voice among the brands: the catalog's brands and competitors where the
        workspace has a catalog, else the mentions' own brand field."""
        focus = self.r.filters.brand
        for dimension in ("entity", "brand") if self.ws.has_entities else ("brand",):
            rows = share_of_voice(
                self.ws.engine,
                self.scope,
                self.period,
                self.previous,
                dimension=dimension,
                limit=VOICE_ROWS,
                keep=focus,
            )
            if len(rows) >= 2:
                break
        else:
            return
        display = self.ws.display if dimension == "entity" else {}
        facts: list[Fact] = []
        for i, r in enumerate(rows, start=1):
            facts.append(
                VoiceFact(
                    id=f"f{i}",
                    dimension=cast(Any, dimension),
                    value=r.value,
                    name=inert(str(display.get(r.value, r.value)))[:NAME_CHARS],
                    total=r.total,
                    previous_total=r.previous_total,
                    share=_pct(r.share),
                    previous_share=_pct(r.previous_share),
                    negative=r.negative,
                    previous_negative=r.previous_negative,
                    negative_share=_pct(r.negative_share),
                    previous_negative_share=_pct(r.previous_negative_share),
                    significant=r.significant,
                    p_value=None if r.p_value is None else round(r.p_value, 4),
                    focus=r.value == focus,
                )
            )
        text = "\n".join(
            "- " + f.phrase(self.language) + (self.p["significant"] if f.significant else "")
            for f in facts
            if isinstance(f, VoiceFact)
        )
        self.add("brands", Evidence(facts=facts), text)

    def notable(self) -> None:
        facts: list[Fact] = []
        quotes: list[Quote] = []
        seen: set[int] = set()
        with self.ws.engine.connect() as conn:
            for by in ("reach", "negative"):
                rows = evidence_store.notable_rows(
                    conn, scope=self.scope, window=self.period, by=by, limit=NOTABLE + 2
                )
                for row in [r for r in rows if r.id not in seen][:NOTABLE]:
                    seen.add(row.id)
                    fact = NotableFact(
                        id=f"f{len(facts) + 1}",
                        reason=cast(Any, by),
                        mention=row.id,
                        reach=row.reach,
                        citations=[row.id],
                    )
                    facts.append(fact)
                    quotes.append(_quote(row, fact.id))
        text = "\n".join(
            "- " + f.phrase(self.language) + "\n" + _quote_line(self.p, q)
            for f, q in zip(facts, quotes, strict=True)
        )
        self.add("notable", Evidence(facts=facts, quotes=quotes), text)

    # -- what the sections add up to -------------------------------------------------------

    def kpis(
        self,
        volume: Section,
        sentiment: Section,
        before: Evidence,
        rising: Section,
        ratings: list[Evidence],
    ) -> list[KpiFact]:
        """The key figures, each from the facts of a section (named in ``based_on``); the
        previous period's sentiment mix and ratings join the sentiment section's facts."""
        out: list[KpiFact] = []

        def kpi(key: Any, unit: Any, current: float, **fields: Any) -> None:
            out.append(KpiFact(id=f"kpi.{key}", key=key, unit=unit, current=current, **fields))

        change = _first(volume.facts, ChangeFact)
        if change is not None:
            kpi(
                "volume",
                "count",
                change.current,
                previous=change.baseline,
                baseline=self.per_period(),
                change=change.relative,
                significant=change.significant,
                based_on=[change.id],
            )
        label_error = any(
            isinstance(f, CaveatFact) and f.reason == "within_label_error" for f in rising.facts
        )
        neg = _first(rising.facts, ChangeFact)
        if neg is not None:
            kpi(
                "negative",
                "count",
                neg.current,
                previous=neg.baseline,
                change=neg.relative,
                significant=neg.significant,
                within_label_error=label_error,
                based_on=[neg.id],
            )
        share = _first(rising.facts, ShareChangeFact)
        if share is not None:
            kpi(
                "negative_share",
                "percent",
                share.current,
                previous=share.baseline,
                change=round(share.current - share.baseline, 1),
                significant=share.significant,
                within_label_error=label_error,
                based_on=[share.id],
            )
        now, then = _positive(sentiment.facts), _positive(before.facts)
        total_now, total_then = (
            _first(facts, CountFact) for facts in (sentiment.facts, before.facts)
        )
        if now is not None:
            fields: dict[str, Any] = {"based_on": [now.id]}
            if then is not None and total_now is not None and total_then is not None:
                then.id = "sentiment.previous"
                sentiment.facts.append(then)
                test = two_proportion_z(now.count, total_now.total, then.count, total_then.total)
                fields |= {
                    "previous": then.share,
                    "change": round(now.share - then.share, 1),
                    "significant": None if test is None else test.p_value < SIGNIFICANCE,
                    "based_on": [now.id, then.id],
                }
            kpi("positive_share", "percent", now.share, **fields)
        rated_now, rated_then = (_first(e.facts, RatingFact) for e in ratings)
        if rated_now is None or not rated_now.rated or rated_now.average is None:
            return out
        rated_now.id = "sentiment.rating"
        sentiment.facts.append(rated_now)
        sentiment.text += "\n" + rated_now.phrase(self.language)
        ids = [rated_now.id]
        if rated_then is not None and rated_then.rated and rated_then.average is not None:
            rated_then.id = "sentiment.rating_previous"
            sentiment.facts.append(rated_then)
            ids.append(rated_then.id)
        else:
            rated_then = None
        kpi(
            "rating",
            "stars",
            rated_now.average,
            previous=None if rated_then is None else rated_then.average,
            change=None
            if rated_then is None or rated_then.average is None
            else round(rated_now.average - rated_then.average, 2),
            based_on=ids,
        )
        if rated_now.nps is not None:
            before_nps = None if rated_then is None else rated_then.nps
            kpi(
                "nps",
                "points",
                rated_now.nps,
                previous=before_nps,
                change=None if before_nps is None else round(rated_now.nps - before_nps, 1),
                based_on=ids,
            )
        return out

    def per_period(self) -> float | None:
        """The longer baseline's mentions per period of the brief's length."""
        baseline = self.section("baseline")
        first = _first(baseline.facts, PeriodFact) if baseline else None
        if first is None or not self.r.baseline_periods:
            return None
        return round(first.total / self.r.baseline_periods, 1)

    def actions(self) -> list[Action]:
        """What to look at, most pressing first, each tied to the facts (and quotes) that
        show it: issues the last brief flagged that still rise, the topics driving the
        negative change (or the change itself when no topic does), spiking days, new themes,
        brands whose negative share moved beyond chance, a falling rating."""
        lang = self.language

        def act(kind: ActionKind, key: str, fact: Fact, **values: float | str) -> Action:
            text = str(self.p["action"][key]).format(
                **{k: raw(v, lang) if isinstance(v, int | float) else v for k, v in values.items()}
            )
            return Action(kind=kind, text=text, facts=[fact.id], citations=list(fact.citations))

        out = [
            act(
                "still_rising",
                "still_rising",
                f,
                name=f.name,
                current=f.current,
                baseline=f.baseline,
            )
            for f in self.facts("since_last", DriverFact)
            if f.delta > 0
        ]
        drivers = [
            f for f in self.facts("rising", DriverFact) if f.dimension == "topic" and f.delta > 0
        ]
        out += [
            act(
                "rising_issue",
                "rising_issue",
                f,
                name=f.name,
                current=f.current,
                baseline=f.baseline,
            )
            for f in drivers[:RISING_ACTIONS]
        ]
        change = next(iter(self.facts("rising", ChangeFact)), None)
        if not drivers and change and change.significant and change.current > change.baseline:
            out.append(
                act(
                    "negative_up",
                    "negative_up",
                    change,
                    current=change.current,
                    baseline=change.baseline,
                )
            )
        out += [
            act("spike", "spike", f, day=f.day.isoformat(), count=f.count, expected=f.expected)
            for f in self.facts("spikes", SpikeFact)
        ]
        # Sources and places whose own jump explains the volume change beyond chance.
        out += [
            act(
                "jump",
                f"{f.dimension}_jump",
                f,
                name=f.name,
                current=f.current,
                baseline=f.baseline,
            )
            for f in self.facts("volume", DriverFact)
            if f.dimension in ("source", "location") and f.significant and f.delta > 0
        ]
        out += [
            act("emerging", "emerging", f, name=f.name, current=f.current, baseline=f.baseline or 0)
            for f in self.facts("emerging", ThemeFact)
        ]
        out += [
            act(
                "competitor",
                "competitor_up"
                if f.negative_share > f.previous_negative_share
                else "competitor_down",
                f,
                name=f.name,
                current=f.negative_share,
                baseline=f.previous_negative_share,
            )
            for f in self.facts("brands", VoiceFact)
            if f.significant
        ]
        ratings = {f.id: f for f in self.facts("sentiment", RatingFact)}
        now, then = ratings.get("sentiment.rating"), ratings.get("sentiment.rating_previous")
        if (
            now is not None
            and then is not None
            and now.average is not None
            and then.average is not None
            and then.average - now.average >= RATING_DROP
        ):
            out.append(
                act("rating_down", "rating_down", now, current=now.average, baseline=then.average)
            )
            out[-1].facts.append(then.id)
        return out

    def facts(self, key: SectionKey, kind: type[F]) -> list[F]:
        """The facts of one kind in a section (none when the section is absent)."""
        section = self.section(key)
        return [f for f in (section.facts if section else []) if isinstance(f, kind)]

    def headline(self, kpis: list[KpiFact]) -> str:
        """The one line a reader takes away: the negative change when it is real, else the
        volume change when it is, else the period's size and tone."""
        p, lang = self.p["headline"], self.language
        by = {k.key: k for k in kpis}
        rising = self.section("rising")
        top = next(
            (
                f
                for f in (rising.facts if rising else [])
                if isinstance(f, DriverFact) and f.dimension == "topic" and f.delta > 0
            ),
            None,
        )
        neg, vol = by.get("negative"), by.get("volume")
        for kpi, name in ((neg, "negative"), (vol, "volume")):
            if kpi is None or not kpi.significant or kpi.change is None:
                continue
            direction = "up" if kpi.change > 0 else "down"
            text = str(p[f"{name}_{direction}"]).format(
                change=_raw(abs(kpi.change), lang),
                current=_raw(kpi.current or 0, lang),
                previous=_raw(kpi.previous or 0, lang),
            )
            if name == "negative" and direction == "up" and top is not None:
                text += str(p["driven_by"]).format(name=top.name)
            return text
        share = by.get("negative_share")
        return str(p["steady"]).format(
            total=_raw(vol.current if vol and vol.current is not None else 0, lang),
            negative_share=_raw(share.current if share and share.current is not None else 0, lang),
        )

    def summary(self, kpis: list[KpiFact]) -> str:
        """The key figures as sentences, each with its previous value and whether it moved
        beyond chance (the template summary; a model may phrase its own)."""
        return "\n".join(k.phrase(self.language) for k in kpis)

    def series(self) -> list[DayPoint]:
        span = Window(self.previous.start, self.period.end)
        return [
            DayPoint(
                day=b.day,
                total=b.total,
                negative=b.negative,
                neutral=b.neutral,
                positive=b.positive,
            )
            for b in series(self.ws.engine, self.scope, span, "day", tz=self.ws.tz)
        ]

    def section(self, key: SectionKey) -> Section | None:
        return next((s for s in self.sections if s.key == key), None)

    def cited(self, fact: Fact) -> str:
        return "".join(
            "\n" + _quote_line(self.p, self.quotes[i]) for i in fact.citations if i in self.quotes
        )


def build_brief(ws: Workspace, request: BriefRequest, previous: Brief | None = None) -> Brief:
    """The brief of ``request.period`` against the period before it and the longer baseline;
    ``previous``, the last brief of the same schedule or filters, adds "since the last
    brief"."""
    return _Builder(ws, request, previous).build()


def _kept(evidence: Evidence, keep: Callable[[Fact], bool]) -> Evidence:
    facts = [f for f in evidence.facts if keep(f)]
    ids = {f.id for f in facts}
    return Evidence(facts=facts, quotes=[q for q in evidence.quotes if q.illustrates in ids])


def _first(facts: list[Any], kind: type) -> Any:
    return next((f for f in facts if isinstance(f, kind)), None)


def _positive(facts: list[Any]) -> SentimentShareFact | None:
    return next(
        (
            f
            for f in facts
            if isinstance(f, SentimentShareFact) and f.sentiment is Sentiment.POSITIVE
        ),
        None,
    )


def _raw(value: float, language: str) -> str:
    """A key figure as its fact shows it: counts stored as floats are whole numbers."""
    return raw(int(value) if float(value).is_integer() else value, language)


def _pct(x: float) -> float:
    return round(100 * x, 1)


def _quote(row: Any, illustrates: str) -> Quote:
    return Quote(
        id=row.id,
        text=row.text[:QUOTE_CHARS],
        source=row.source,
        created_at=row.created_at,
        url=row.url,
        sentiment=row.sentiment,
        language=row.language,
        illustrates=illustrates,
    )


def _quote_line(p: dict[str, Any], q: Quote) -> str:
    return str(p["quote_line"]).format(text=" ".join(q.text.split()), id=q.id)
