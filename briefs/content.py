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
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import Any, cast

from sqlalchemy import Engine

from analytics.counts import series, window_counts
from analytics.scope import Scope, Window
from analytics.stats import rate_test, two_proportion_z
from analytics.voice import share_of_voice
from ask.composer_template import TemplateComposer, period_text
from ask.facts import (
    CaveatFact,
    ChangeFact,
    DriverFact,
    Evidence,
    Fact,
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
from ask.phrasing import has_phrases, phrases, raw, raw_signed
from ask.plan import Intent, Plan, PlanWindow
from ask.quotes import QUOTE_CHARS
from ask.untrusted import inert
from briefs.model import Action, Brief, BriefFilters, DayPoint, Kpi, Section, SectionKey
from hark.domain import SearchFilters, Sentiment
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
        evidence, display = self.ws.evidence(plan)
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
        if self.previous_brief is not None:
            self.since_last()
        volume = self.analysed(
            "volume", self.plan(Intent.WHY_CHANGE, self.period, baseline=self.previous)
        )
        sentiment = self.analysed("sentiment", self.plan(Intent.SHARE, self.period))
        before = self.ws.evidence(self.plan(Intent.SHARE, self.previous))[0]
        ratings = [
            self.ws.evidence(self.plan(Intent.COUNT, w, measure="rating"))[0]
            for w in (self.period, self.previous)
        ]
        rising = self.analysed(
            "rising",
            self.plan(
                Intent.WHY_CHANGE,
                self.period,
                baseline=self.previous,
                sentiment=Sentiment.NEGATIVE,
            ),
        )
        self.analysed(
            "praise",
            self.plan(Intent.SUMMARISE, self.period, sentiment=Sentiment.POSITIVE),
        )
        self.emerging()
        self.analysed(
            "spikes",
            self.plan(Intent.TREND, self.period, granularity="day"),
            keep=lambda f: isinstance(f, SpikeFact),
            compose=False,
        )
        self.spikes_text()
        self.brands()
        self.notable()
        if self.baseline is not None:
            section = self.analysed(
                "baseline",
                self.plan(Intent.COMPARE, self.period, periods=[self.baseline, self.period]),
            )
            if any(
                isinstance(f, CaveatFact) and f.reason == "no_data_period" for f in section.facts
            ):
                # No data before the previous period: nothing to set the period against.
                self.sections.remove(section)
        kpis = self.kpis(volume, sentiment, before, rising, ratings)
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
            series=self.series(),
            previous_brief=self.previous_brief.id if self.previous_brief else None,
        )
        self.timings["total"] = round((time.perf_counter() - t0) * 1000, 1)
        brief.timings_ms = self.timings
        return brief

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
        lines = [str(self.p["since_last_head"]).format(period=then_window.label)]
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

    def emerging(self) -> None:
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
            self.plan(Intent.RANK, self.period, baseline=self.previous, group_by="theme"),
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
    ) -> list[Kpi]:
        out: list[Kpi] = []
        change = _first(volume.facts, ChangeFact)
        baseline = self.section("baseline")
        per_period = None
        if baseline is not None and self.baseline is not None:
            first = _first(baseline.facts, PeriodFact)
            if first is not None:
                per_period = round(first.total / self.r.baseline_periods, 1)
        if change is not None:
            out.append(
                Kpi(
                    key="volume",
                    unit="count",
                    current=change.current,
                    previous=change.baseline,
                    baseline=per_period,
                    change=change.relative,
                    significant=change.significant,
                    facts=[change.id],
                )
            )
        neg = _first(rising.facts, ChangeFact)
        label_error = any(
            isinstance(f, CaveatFact) and f.reason == "within_label_error" for f in rising.facts
        )
        if neg is not None:
            out.append(
                Kpi(
                    key="negative",
                    unit="count",
                    current=neg.current,
                    previous=neg.baseline,
                    change=neg.relative,
                    significant=neg.significant,
                    within_label_error=label_error,
                    facts=[neg.id],
                )
            )
        share = _first(rising.facts, ShareChangeFact)
        if share is not None:
            out.append(
                Kpi(
                    key="negative_share",
                    unit="percent",
                    current=share.current,
                    previous=share.baseline,
                    change=round(share.current - share.baseline, 1),
                    significant=share.significant,
                    within_label_error=label_error,
                    facts=[share.id],
                )
            )
        pos_now = next(
            (
                f
                for f in sentiment.facts
                if isinstance(f, SentimentShareFact) and f.sentiment is Sentiment.POSITIVE
            ),
            None,
        )
        pos_before = next(
            (
                f
                for f in before.facts
                if isinstance(f, SentimentShareFact) and f.sentiment is Sentiment.POSITIVE
            ),
            None,
        )
        if pos_now is not None:
            test = None
            if pos_before is not None and pos_now.share and pos_before.share:
                test = two_proportion_z(
                    pos_now.count,
                    round(100 * pos_now.count / pos_now.share),
                    pos_before.count,
                    round(100 * pos_before.count / pos_before.share),
                )
            if pos_before is not None:
                pos_before.id = "sentiment.previous"
                sentiment.facts.append(pos_before)
            out.append(
                Kpi(
                    key="positive_share",
                    unit="percent",
                    current=pos_now.share,
                    previous=None if pos_before is None else pos_before.share,
                    change=None
                    if pos_before is None
                    else round(pos_now.share - pos_before.share, 1),
                    significant=None if test is None else test.p_value < SIGNIFICANCE,
                    facts=[pos_now.id] + ([pos_before.id] if pos_before else []),
                )
            )
        now, then = (_first(e.facts, RatingFact) for e in ratings)
        if now is not None and now.rated:
            now.id = "sentiment.rating"
            sentiment.facts.append(now)
            ids = [now.id]
            if then is not None and then.rated:
                then.id = "sentiment.rating_previous"
                sentiment.facts.append(then)
                ids.append(then.id)
            prev_avg = then.average if then is not None and then.rated else None
            out.append(
                Kpi(
                    key="rating",
                    unit="stars",
                    current=now.average,
                    previous=prev_avg,
                    change=None
                    if prev_avg is None or now.average is None
                    else round(now.average - prev_avg, 2),
                    facts=ids,
                )
            )
            if now.nps is not None:
                prev_nps = then.nps if then is not None else None
                out.append(
                    Kpi(
                        key="nps",
                        unit="points",
                        current=now.nps,
                        previous=prev_nps,
                        change=None if prev_nps is None else round(now.nps - prev_nps, 1),
                        facts=ids,
                    )
                )
            sentiment.text += "\n" + now.phrase(self.language)
        return out

    def actions(self) -> list[Action]:
        out: list[Action] = []
        p, lang = self.p["action"], self.language
        since = self.section("since_last")
        for f in since.facts if since else []:
            if isinstance(f, DriverFact) and f.delta > 0:
                out.append(
                    Action(
                        kind="still_rising",
                        text=str(p["still_rising"]).format(
                            name=f.name,
                            current=raw(f.current, lang),
                            baseline=raw(f.baseline, lang),
                        ),
                        facts=[f.id],
                    )
                )
        rising = self.section("rising")
        drivers = [
            f
            for f in (rising.facts if rising else [])
            if isinstance(f, DriverFact) and f.dimension == "topic" and f.delta > 0
        ]
        for f in drivers[:RISING_ACTIONS]:
            out.append(
                Action(
                    kind="rising_issue",
                    text=str(p["rising_issue"]).format(
                        name=f.name,
                        current=raw(f.current, lang),
                        baseline=raw(f.baseline, lang),
                    ),
                    facts=[f.id],
                    citations=f.citations,
                )
            )
        change = _first(rising.facts, ChangeFact) if rising else None
        if (
            not drivers
            and change is not None
            and change.significant
            and change.current > change.baseline
        ):
            out.append(
                Action(
                    kind="negative_up",
                    text=str(p["negative_up"]).format(
                        current=raw(change.current, lang), baseline=raw(change.baseline, lang)
                    ),
                    facts=[change.id],
                    citations=change.citations,
                )
            )
        spikes = self.section("spikes")
        for f in spikes.facts if spikes else []:
            if isinstance(f, SpikeFact):
                out.append(
                    Action(
                        kind="spike",
                        text=str(p["spike"]).format(
                            day=f.day.isoformat(),
                            count=raw(f.count, lang),
                            expected=raw(f.expected, lang),
                        ),
                        facts=[f.id],
                    )
                )
        emerging = self.section("emerging")
        for f in emerging.facts if emerging else []:
            if isinstance(f, ThemeFact):
                out.append(
                    Action(
                        kind="emerging",
                        text=str(p["emerging"]).format(
                            name=f.name,
                            current=raw(f.current, lang),
                            baseline=raw(f.baseline or 0, lang),
                        ),
                        facts=[f.id],
                        citations=f.citations,
                    )
                )
        brands = self.section("brands")
        for f in brands.facts if brands else []:
            if isinstance(f, VoiceFact) and f.significant:
                key = (
                    "competitor_up"
                    if f.negative_share > f.previous_negative_share
                    else "competitor_down"
                )
                out.append(
                    Action(
                        kind="competitor",
                        text=str(p[key]).format(
                            name=f.name,
                            current=raw(f.negative_share, lang),
                            baseline=raw(f.previous_negative_share, lang),
                        ),
                        facts=[f.id],
                    )
                )
        sentiment = self.section("sentiment")
        now = then = None
        for f in sentiment.facts if sentiment else []:
            if isinstance(f, RatingFact):
                now, then = (f, then) if f.id == "sentiment.rating" else (now, f)
        if (
            now is not None
            and then is not None
            and now.average is not None
            and then.average is not None
            and then.average - now.average >= RATING_DROP
        ):
            out.append(
                Action(
                    kind="rating_down",
                    text=str(p["rating_down"]).format(
                        current=raw(now.average, lang), baseline=raw(then.average, lang)
                    ),
                    facts=[now.id, then.id],
                )
            )
        return out

    def headline(self, kpis: list[Kpi]) -> str:
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

    def summary(self, kpis: list[Kpi]) -> str:
        """The key figures in sentences: each with its previous value and whether it moved
        beyond chance."""
        p, lang = self.p["kpi"], self.language
        lines = []
        for k in kpis:
            if k.current is None:
                continue
            values = {
                "current": _raw(k.current, lang),
                "previous": "" if k.previous is None else _raw(k.previous, lang),
                "change": "" if k.change is None else raw_signed(k.change, lang),
                "baseline": "" if k.baseline is None else _raw(k.baseline, lang),
            }
            line = str(p[k.key if k.previous is not None else f"{k.key}_only"]).format(**values)
            if k.baseline is not None:
                line += str(p["baseline"]).format(**values)
            if k.significant is not None:
                line += str(p["significant" if k.significant else "noise"])
            if k.within_label_error:
                line += str(p["label_error"])
            lines.append(line)
        return "\n".join(lines)

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
