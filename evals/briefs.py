"""Weekly insight briefs, scored against the data sets' labels, beside two naive baselines
scored on the same cases in the same run.

    python -m evals.briefs                    # airline + SentiRuEval (builds what is missing)
    python -m evals.briefs --only airline     # or --only ru
    python -m evals.briefs --days 3 --days 1  # airline period lengths (default: 3)

Writes evals/out/briefs.json (figures and per-case ids/counts; no mention texts).

Workspaces. Airline: the full 14.5k-tweet workspace under evals/out/airline
(``evals.enrichment.prepare_airline``: taxonomy + entity catalogs, every derived field
current), zone set to America/Los_Angeles (the file's UTC-08:00). SentiRuEval: both full files
(18.4k tweets, Dec 2013-Jan 2014 and Jul-Aug 2014; evals/ask_bank.py's workspaces are a 20 %
sample of Jul-Aug, three weeks, too few week pairs) ingested as ``briefs-ru-banks`` and
``briefs-ru-telecom`` with the bundled ru entity catalogs, zone UTC, in the evals/ask_bank home
(its embedding cache: the ask bank's sample is a subset of these texts). Texts are read from
../shared, never copied. Truth comes from evals/briefs_truth.py (the csv label columns only).

Briefs are made by ``BriefService.make(..., use_llm=False, save=False, baseline_periods=0)``:
the template composer, nothing stored, no "since last" section.

1. Airline rising issues (per airline x each ``--days``-day period against the same number of
   days before, walking the data's span one day at a time in Los Angeles days: with 3 days,
   current periods start Feb 19..22; the last one ends with the partial Feb 24, the first
   baseline starts with the partial Feb 16 -- truth and Hark see the same rows, so the cut is
   fair; cases overlap, so they are not independent).
   Brief: ``filters=BriefFilters(brands=[airline])`` (the ``brand`` field as ingested: the
   csv's ``airline`` value). Hark's rising issues: the topic DriverFacts of the "rising"
   section with ``delta > 0`` (the ones the brief turns into actions), in the order shown,
   top 3, mapped to negativereason names by TOPIC_TO_REASON.
   Truth: among that airline's labelled negative tweets, each negativereason's growth (count
   now minus count before; "Can't Tell" left out). Scored only when the current period has
   >= MIN_ISSUE_NEGATIVES negatives with a reason and the top growth is >= MIN_TOP_GROWTH
   (below that the "top grower" is noise).
   - hit@3: a reason tied for the most growth is among the top 3.
   - overlap@3: |truth top-3 growers & top 3| / min(3, number of reasons that grew).
2. Airline key figures (every airline x period with >= MIN_KPI_VOLUME labelled tweets now):
   - volume: the volume KPI against the number of the airline's distinct tweet ids in the
     period (exact-match rate and mean relative error; Hark drops near-duplicate copies, noise
     and brand-authored posts, so it can be a little lower).
   - negative: the negative KPI against the crowd's negative count (mean relative error
     |hark - crowd| / crowd), and direction agreement of the change now vs before (up / down
     / flat, equal signs).
   - significance: how often the negative KPI is flagged significant when the crowd's own
     change is significant (exact binomial test of now vs before, equal lengths, p < 0.05:
     "large") and when it is not ("small"); a good brief flags the first often, the second
     rarely.
3. Brand ranking (the "brands" section's VoiceFacts, ranked by ``negative``): SentiRuEval,
   weekly briefs (Monday-Sunday UTC) week over week, per file (banks, telecom), for every week
   with >= RU_MIN_NEGATIVES labelled negatives and >= RU_MIN_VOLUME_BEFORE tweets the week
   before; and the airline set without a brand filter per ``--days`` period (airlines as the
   brands; VoiceFact entity ids mapped by AIRLINE_ENTITY). Truth: per brand, tweets the
   annotators labelled negative for it (SentiRuEval: that brand's column is -1; airline: the
   tweet's airline, crowd negative). Brands scored: those with >= 1 labelled tweet in the
   period; a brand the section does not show (outside its top VOICE_ROWS by volume) ranks
   with 0 negatives and has no direction.
   - top-1: Hark's brand with most negatives is one tied for most labelled negatives.
   - Spearman: rank correlation of the negative counts over the scored brands (cases where
     either side is constant are left out).
   - direction: per shown brand, sign(negative now - negative before) equals the labels'
     (before = round(previous_total * previous_negative_share / 100)); brands with no
     negatives on either side in either period are left out (0 = 0 says nothing).
   - volume (SentiRuEval): the volume KPI's relative error against the week's tweets.

Baselines (never read labels, Hark's sentiment or Hark's topics):
- "top-k": what a plain "top mentions of the week, summarised" digest gives: the k=TOP_K
  mentions nearest to a generic complaint query (QUERY[language]) by dense retrieval through
  the workspace's search service, restricted to the period (and the airline, as Hark's
  brief is). Its rising issues: the taxonomy topics matched by keyword (TopicKeywords) in
  most of those k texts, most first (ties: taxonomy order). Its brand ranking: brands matched
  by catalog name/alias (BrandKeywords) in most of the k texts; its direction: those counts in
  this period's top k vs the previous period's top k. It has no negative count.
- "keyword": counting over every mention of the period (the store's rows: no duplicates,
  no noise, customers only): rising issues are the topics whose keyword-matched mentions grew
  most (now minus before); the negative count is the mentions matching any topic keyword;
  the brand ranking is brands by all their alias-matched mentions (volume, not negatives).
TopicKeywords: the stems (first 5 letters) of the words (>= 4 letters, lower case, not in
STOP: function words and the generic "complaint/problem/issue") of each taxonomy topic's name
and description; a stem several topics use goes to the one using it most (dropped on a
tie); a text matches a topic when one of its tokens starts with one of the topic's stems.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import yaml
from scipy.stats import binomtest, spearmanr
from sqlalchemy import or_, select

from ask.facts import DriverFact, KpiFact, VoiceFact
from briefs.model import Brief, BriefFilters
from evals.briefs_truth import (
    RU_COLUMNS,
    AirlineTweet,
    RisingTruth,
    RuTweet,
    Span,
    airline_negatives,
    airline_truth,
    airline_tweets,
    day_span,
    ru_brand_counts,
    ru_tweets,
    ru_volume,
)
from evals.common import OUT
from hark.domain import SearchFilters
from services.container import Container
from store.tables import mentions

CATALOGS = Path(__file__).resolve().parents[1] / "enrichment" / "catalogs"
AIRLINE_WS = "airline"
AIRLINE_TZ = "America/Los_Angeles"
RU_HOME = OUT / "ask_bank"
RU_WS = {"banks": "briefs-ru-banks", "telecom": "briefs-ru-telecom"}
RU_MAPPINGS = {"banks": "sentirueval-ru-bank-tweets", "telecom": "sentirueval-ru-telecom-tweets"}
RU_CATALOGS = {"banks": "ru-banks.entities.yaml", "telecom": "ru-telecom.entities.yaml"}
RU_TZ = "UTC"
MIN_ISSUE_NEGATIVES = 20
MIN_TOP_GROWTH = 3
MIN_KPI_VOLUME = 20
RU_MIN_NEGATIVES = 10
RU_MIN_VOLUME_BEFORE = 50
TOP_K = 50
QUERY = {
    "en": "complaint about a problem with the service",
    "ru": "жалоба на проблему, плохое обслуживание",
}
# Taxonomy topic id (enrichment/catalogs/airline.taxonomy.yaml) -> negativereason.
TOPIC_TO_REASON = {
    "customer_service_issue": "Customer Service Issue",
    "late_flight": "Late Flight",
    "cancelled_flight": "Cancelled Flight",
    "lost_luggage": "Lost Luggage",
    "damaged_luggage": "Damaged Luggage",
    "bad_flight": "Bad Flight",
    "flight_booking_problems": "Flight Booking Problems",
    "flight_attendant_complaints": "Flight Attendant Complaints",
    "longlines": "longlines",
}
# Airline entity id (enrichment/catalogs/airline.entities.yaml) -> the csv's airline value.
AIRLINE_ENTITY = {
    "united": "United",
    "us-airways": "US Airways",
    "american": "American",
    "southwest": "Southwest",
    "delta": "Delta",
    "virgin-america": "Virgin America",
}
AIRLINES = sorted(AIRLINE_ENTITY.values())
# Function words, and the generic complaint words topic names carry ("... Issue",
# "... Problems", "... Complaints"), which name no issue.
STOP = {
    "complaint",
    "complaints",
    "issue",
    "issues",
    "problem",
    "problems",
    "about",
    "after",
    "because",
    "from",
    "into",
    "just",
    "more",
    "much",
    "never",
    "only",
    "that",
    "their",
    "there",
    "they",
    "this",
    "were",
    "what",
    "when",
    "with",
}
_TOKEN = re.compile(r"[^\W\d_]+", re.UNICODE)


# ---------------------------------------------------------------------------------------------
# workspaces
# ---------------------------------------------------------------------------------------------


def airline_rt() -> Container:
    from evals.enrichment import prepare_airline

    rt = prepare_airline()
    rt.workspace_settings.set_timezone(AIRLINE_WS, AIRLINE_TZ)
    return rt


def ru_rt() -> Container:
    """Both SentiRuEval files, whole, one workspace each (idempotent: only what is missing is
    stored and embedded)."""
    from enrichment.catalogs import parse, set_catalog
    from evals.briefs_truth import RU_DIR
    from hark.settings import Settings
    from ingestion.mapping import load_mapping
    from ingestion.pipeline import ingest_file

    rt = Container(Settings(home=RU_HOME, _env_file=None))
    for which, ws in RU_WS.items():
        text = (CATALOGS / RU_CATALOGS[which]).read_text(encoding="utf-8")
        set_catalog(rt.engine, workspace=ws, kind="entities", body=parse("entities", text=text))
        t0 = time.perf_counter()
        report = ingest_file(
            rt.engine,
            workspace=ws,
            path=RU_DIR / f"{which}.csv",
            mapping=load_mapping(RU_MAPPINGS[which]),
            index=rt.index.target(ws),
            enrich=rt.enrich.hook(ws),
        )
        rt.enrich.reenrich(ws)
        rt.workspace_settings.set_timezone(ws, RU_TZ)
        print(f"  {ws}: embedded {report.embedded} ({time.perf_counter() - t0:.0f} s)", flush=True)
    return rt


# ---------------------------------------------------------------------------------------------
# what a brief says
# ---------------------------------------------------------------------------------------------


def make_brief(
    rt: Container, ws: str, first: date, days: int, language: str, brands: list[str]
) -> Brief:
    last = first + timedelta(days=days - 1)
    return rt.briefs.make(
        ws,
        period=f"{first.isoformat()}..{last.isoformat()}",
        language=language,
        filters=BriefFilters(brands=brands),
        baseline_periods=0,
        use_llm=False,
        save=False,
    )


def rising_topics(brief: Brief) -> list[str]:
    section = brief.section("rising")
    return [
        f.value
        for f in (section.facts if section else [])
        if isinstance(f, DriverFact) and f.dimension == "topic" and f.delta > 0
    ]


def kpi(brief: Brief, key: str) -> KpiFact | None:
    return next((k for k in brief.kpis if k.key == key), None)


def voice(brief: Brief) -> list[VoiceFact]:
    section = brief.section("brands")
    return [f for f in (section.facts if section else []) if isinstance(f, VoiceFact)]


def previous_negative(f: VoiceFact) -> int:
    return round(f.previous_total * f.previous_negative_share / 100)


# ---------------------------------------------------------------------------------------------
# baselines (texts only: no labels, no Hark sentiment or topics)
# ---------------------------------------------------------------------------------------------


def _tokens(text: str) -> list[str]:
    return [t.lower() for t in _TOKEN.findall(text)]


class TopicKeywords:
    """Keywords of each taxonomy topic, from its own name and description."""

    def __init__(self, taxonomy: dict[str, Any]) -> None:
        uses: dict[str, Counter[str]] = {}
        for t in taxonomy["topics"]:
            text = f"{t['name']} {t.get('description', '')}"
            uses[t["id"]] = Counter(w[:5] for w in _tokens(text) if len(w) >= 4 and w not in STOP)
        self.order = list(uses)
        self.stems: dict[str, set[str]] = {t: set() for t in uses}
        for stem in {s for c in uses.values() for s in c}:
            most = sorted(((c[stem], t) for t, c in uses.items() if c[stem]), reverse=True)
            if len(most) == 1 or most[0][0] > most[1][0]:
                self.stems[most[0][1]].add(stem)

    def topics(self, text: str) -> set[str]:
        toks = _tokens(text)
        return {
            topic
            for topic, stems in self.stems.items()
            if any(tok.startswith(s) for tok in toks for s in stems)
        }

    def ranked(self, counts: Counter[str]) -> list[str]:
        pos = {t: i for i, t in enumerate(self.order)}
        return [t for t in sorted(counts, key=lambda t: (-counts[t], pos[t])) if counts[t] > 0]


class BrandKeywords:
    """Brands by their catalog name and aliases, matched at a word start, case aside."""

    def __init__(self, catalog: dict[str, Any], keep: Iterable[str]) -> None:
        wanted = set(keep)
        self.patterns = {
            e["id"]: re.compile(
                "|".join(
                    r"(?<!\w)" + re.escape(a.lower()) for a in [e["name"], *e.get("aliases", [])]
                )
            )
            for e in catalog["entities"]
            if e["id"] in wanted
        }

    def brands(self, text: str) -> set[str]:
        low = text.lower()
        return {b for b, p in self.patterns.items() if p.search(low)}

    def counts(self, texts: Iterable[str]) -> Counter[str]:
        c: Counter[str] = Counter()
        for t in texts:
            c.update(self.brands(t))
        return c


def top_k_texts(rt: Container, ws: str, span: Span, brands: list[str], language: str) -> list[str]:
    filters = SearchFilters(since=span.start, until=span.end, brands=brands)
    hits = rt.search.query(ws, QUERY[language], filters=filters, k=TOP_K).hits
    return [h.mention.text for h in hits]


def all_texts(rt: Container, ws: str, span: Span, brands: list[str]) -> list[str]:
    """Every mention the store counts in the span (the baseline's own query)."""
    m = mentions.c
    query = select(m.text).where(
        m.workspace == ws,
        m.duplicate_of.is_(None),
        m.noise.is_(None),
        or_(m.author_type.is_(None), m.author_type != "brand"),
        m.created_at >= span.start,
        m.created_at < span.end,
    )
    if brands:
        query = query.where(m.brand.in_(brands))
    with rt.engine.connect() as conn:
        return [r[0] for r in conn.execute(query)]


# ---------------------------------------------------------------------------------------------
# scoring helpers
# ---------------------------------------------------------------------------------------------


def sign(x: float) -> int:
    return (x > 0) - (x < 0)


def hit_overlap(truth: RisingTruth, top3: Sequence[str]) -> tuple[float, float]:
    grew = truth.growth()
    hit = float(bool(truth.top() & set(top3[:3])))
    overlap = len(set(truth.top3()) & set(top3[:3])) / min(3, len(grew))
    return hit, overlap


def rank_scores(truth: dict[str, int], ours: dict[str, int]) -> tuple[float, float | None]:
    """(top-1 match, Spearman) over the brands of ``truth``; a brand ``ours`` lacks has 0."""
    brands = sorted(truth)
    mine = [ours.get(b, 0) for b in brands]
    best = max(truth.values())
    if max(mine) > 0:
        top = max(brands, key=lambda b: (ours.get(b, 0), -brands.index(b)))
        top1 = float(truth[top] == best)
    else:
        top1 = 0.0
    theirs = [truth[b] for b in brands]
    rho: float | None = None
    if len(set(mine)) > 1 and len(set(theirs)) > 1:
        rho = float(spearmanr(mine, theirs).statistic)
    return top1, rho


def mean(values: Iterable[float | None]) -> float | None:
    vals = [v for v in values if v is not None and not math.isnan(v)]
    return float(np.mean(vals)) if vals else None


def count(values: Iterable[Any]) -> int:
    return sum(1 for v in values if v is not None)


@dataclass
class Metric:
    name: str
    key: str  # per-case field; "<key>" for Hark, "<key>_topk", "<key>_kw" for the baselines


def summarise(cases: list[dict[str, Any]], metrics: list[Metric]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for m in metrics:
        row = {}
        for system, suffix in (("hark", ""), ("topk", "_topk"), ("keyword", "_kw")):
            vals = [c.get(m.key + suffix) for c in cases]
            row[system] = mean(vals)
            row[f"n_{system}"] = count(vals)
        out[m.key] = row
    return out


def print_table(title: str, summary: dict[str, Any], metrics: list[Metric]) -> None:
    print(f"\n{title}")
    print(f"  {'metric':44} {'hark':>13} {'top-k':>13} {'keyword':>13}")

    def cell(v: float | None, n: int) -> str:
        return "–" if v is None else f"{v:.3f} (n={n})"

    for m in metrics:
        r = summary[m.key]
        print(
            f"  {m.name:44} {cell(r['hark'], r['n_hark']):>13} "
            f"{cell(r['topk'], r['n_topk']):>13} {cell(r['keyword'], r['n_keyword']):>13}"
        )


# ---------------------------------------------------------------------------------------------
# airline
# ---------------------------------------------------------------------------------------------

RISING_METRICS = [
    Metric("rising issues hit@3", "hit3"),
    Metric("rising issues overlap@3", "overlap3"),
]
KPI_METRICS = [
    Metric("volume KPI exact (vs distinct tweets)", "volume_exact"),
    Metric("volume KPI relative error", "volume_err"),
    Metric("negative KPI relative error (vs crowd)", "negative_err"),
    Metric("negative change direction agrees", "direction"),
    Metric("flagged significant | crowd change large", "flag_large"),
    Metric("flagged significant | crowd change small", "flag_small"),
]
BRAND_METRICS = [
    Metric("brand with most negatives (top-1)", "top1"),
    Metric("Spearman of negative counts", "spearman"),
    Metric("per-brand negative direction agrees", "direction"),
]

RU_METRICS = [*BRAND_METRICS, Metric("volume KPI relative error (vs tweets)", "volume_err")]


def _periods(tweets: Sequence[AirlineTweet], tz: ZoneInfo, days: int) -> list[date]:
    first = min(t.ts for t in tweets).astimezone(tz).date()
    last = max(t.ts for t in tweets).astimezone(tz).date()
    n = (last - first).days + 1 - 2 * days + 1
    return [first + timedelta(days=days + i) for i in range(max(n, 0))]


def _check_window(brief: Brief, now: Span) -> None:
    if (brief.period.start, brief.period.end) != (now.start, now.end):
        raise SystemExit(
            f"brief period {brief.period.start}..{brief.period.end} is not the truth's "
            f"{now.start}..{now.end}: the workspace zone differs from {AIRLINE_TZ}"
        )


def airline_case(
    rt: Container,
    tweets: Sequence[AirlineTweet],
    airline: str,
    first: date,
    days: int,
    kw: TopicKeywords,
) -> dict[str, Any]:
    tz = ZoneInfo(AIRLINE_TZ)
    now = day_span(first, days, tz)
    before = day_span(first - timedelta(days=days), days, tz)
    truth = airline_truth(tweets, airline, now, before)
    t0 = time.perf_counter()
    brief = make_brief(rt, AIRLINE_WS, first, days, "en", [airline])
    ms = (time.perf_counter() - t0) * 1000
    _check_window(brief, now)
    case: dict[str, Any] = {
        "airline": airline,
        "period": f"{first}+{days}d",
        "brief_ms": round(ms),
        "truth": {
            "volume": truth.volume,
            "volume_before": truth.volume_before,
            "negative": truth.negative,
            "negative_before": truth.negative_before,
            "growth": truth.growth()[:5],
        },
    }
    hark = [TOPIC_TO_REASON.get(t, t) for t in rising_topics(brief)][:3]
    topk = kw.ranked(
        Counter(t for x in top_k_texts(rt, AIRLINE_WS, now, [airline], "en") for t in kw.topics(x))
    )
    texts_now = all_texts(rt, AIRLINE_WS, now, [airline])
    texts_before = all_texts(rt, AIRLINE_WS, before, [airline])
    matched_now = [kw.topics(x) for x in texts_now]
    matched_before = [kw.topics(x) for x in texts_before]
    growth = Counter(t for s in matched_now for t in s)
    growth.subtract(Counter(t for s in matched_before for t in s))
    kw_rising = kw.ranked(+growth)
    systems = {
        "": hark,
        "_topk": [TOPIC_TO_REASON[t] for t in topk[:3]],
        "_kw": [TOPIC_TO_REASON[t] for t in kw_rising[:3]],
    }
    case["rising"] = systems[""]
    case["rising_topk"] = systems["_topk"]
    case["rising_kw"] = systems["_kw"]
    growers = truth.growth()
    scored = (
        truth.issue_negatives() >= MIN_ISSUE_NEGATIVES
        and bool(growers)
        and growers[0][1] >= MIN_TOP_GROWTH
    )
    case["rising_scored"] = scored
    if scored:
        for suffix, top3 in systems.items():
            case["hit3" + suffix], case["overlap3" + suffix] = hit_overlap(truth, top3)
    # key figures
    vol, neg = kpi(brief, "volume"), kpi(brief, "negative")
    case["kpi"] = {
        "volume": None if vol is None else [vol.current, vol.previous],
        "negative": None if neg is None else [neg.current, neg.previous, neg.significant],
    }
    if truth.volume >= MIN_KPI_VOLUME:
        if vol is not None and vol.current is not None:
            case["volume_exact"] = float(vol.current == truth.volume)
            case["volume_err"] = abs(vol.current - truth.volume) / truth.volume
        truth_dir = sign(truth.negative - truth.negative_before)
        if truth.negative > 0 and neg is not None and neg.current is not None:
            case["negative_err"] = abs(neg.current - truth.negative) / truth.negative
            case["direction"] = float(sign(neg.current - (neg.previous or 0)) == truth_dir)
            total = truth.negative + truth.negative_before
            p = binomtest(truth.negative, total, 0.5).pvalue if total else 1.0
            case["crowd_p"] = round(float(p), 5)
            key = "flag_large" if p < 0.05 else "flag_small"
            case[key] = float(bool(neg.significant))
        # keyword baseline: mentions matching any complaint keyword, now vs before
        kw_now = sum(1 for s in matched_now if s)
        kw_before = sum(1 for s in matched_before if s)
        if truth.negative > 0:
            case["negative_err_kw"] = abs(kw_now - truth.negative) / truth.negative
        case["direction_kw"] = float(sign(kw_now - kw_before) == truth_dir)
    return case


def airline_brands_case(
    rt: Container, tweets: Sequence[AirlineTweet], first: date, days: int, bk: BrandKeywords
) -> dict[str, Any] | None:
    tz = ZoneInfo(AIRLINE_TZ)
    now = day_span(first, days, tz)
    before = day_span(first - timedelta(days=days), days, tz)
    neg_now, total_now = airline_negatives(tweets, now)
    neg_before, _ = airline_negatives(tweets, before)
    brief = make_brief(rt, AIRLINE_WS, first, days, "en", [])
    _check_window(brief, now)
    ours: dict[str, int] = {}
    ours_before: dict[str, int] = {}
    for f in voice(brief):
        name = AIRLINE_ENTITY.get(f.value, f.value) if f.dimension == "entity" else f.value
        if name in AIRLINES:
            ours[name], ours_before[name] = f.negative, previous_negative(f)
    truth = {a: neg_now.get(a, 0) for a in AIRLINES if total_now.get(a, 0) > 0}
    truth_before = {a: neg_before.get(a, 0) for a in truth}
    entity_of = {v: k for k, v in AIRLINE_ENTITY.items()}
    to_name = {entity_of[a]: a for a in truth}
    topk = bk.counts(top_k_texts(rt, AIRLINE_WS, now, [], "en"))
    topk_before = bk.counts(top_k_texts(rt, AIRLINE_WS, before, [], "en"))
    kw = bk.counts(all_texts(rt, AIRLINE_WS, now, []))
    return brand_case(
        f"{first}+{days}d",
        truth,
        truth_before,
        ours,
        ours_before,
        {to_name[e]: n for e, n in topk.items() if e in to_name},
        {to_name[e]: n for e, n in topk_before.items() if e in to_name},
        {to_name[e]: n for e, n in kw.items() if e in to_name},
        [f.dimension for f in voice(brief)][:1],
    )


def brand_case(
    period: str,
    truth: dict[str, int],
    truth_before: dict[str, int],
    ours: dict[str, int],
    ours_before: dict[str, int],
    topk: dict[str, int],
    topk_before: dict[str, int],
    kw: dict[str, int],
    dimension: Sequence[str],
) -> dict[str, Any]:
    case: dict[str, Any] = {
        "period": period,
        "dimension": dimension[0] if dimension else None,
        "truth": truth,
        "truth_before": truth_before,
        "hark": ours,
        "hark_before": ours_before,
        "topk": topk,
        "keyword": kw,
    }
    case["top1"], case["spearman"] = rank_scores(truth, ours)
    case["top1_topk"], case["spearman_topk"] = rank_scores(truth, topk)
    case["top1_kw"], case["spearman_kw"] = rank_scores(truth, kw)

    def agree(now: dict[str, int], then: dict[str, int], shown: Iterable[str]) -> float | None:
        vals = [
            float(sign(now.get(b, 0) - then.get(b, 0)) == sign(truth[b] - truth_before[b]))
            for b in shown
            if b in truth and (truth[b] or truth_before[b] or now.get(b) or then.get(b))
        ]
        return float(np.mean(vals)) if vals else None

    case["direction"] = agree(ours, ours_before, ours)
    case["direction_topk"] = agree(topk, topk_before, truth)
    return case


def run_airline(days_list: Sequence[int]) -> dict[str, Any]:
    tweets = airline_tweets()
    rt = airline_rt()
    taxonomy = yaml.safe_load((CATALOGS / "airline.taxonomy.yaml").read_text(encoding="utf-8"))
    catalog = yaml.safe_load((CATALOGS / "airline.entities.yaml").read_text(encoding="utf-8"))
    kw = TopicKeywords(taxonomy)
    bk = BrandKeywords(catalog, AIRLINE_ENTITY)
    tz = ZoneInfo(AIRLINE_TZ)
    out: dict[str, Any] = {}
    for days in days_list:
        cases, brand_cases = [], []
        for first in _periods(tweets, tz, days):
            cases += [airline_case(rt, tweets, a, first, days, kw) for a in AIRLINES]
            bc = airline_brands_case(rt, tweets, first, days, bk)
            if bc is not None:
                brand_cases.append(bc)
        rising = [c for c in cases if c["rising_scored"]]
        up = [c for c in rising if c["truth"]["negative"] > c["truth"]["negative_before"]]
        down = [c for c in rising if c not in up]
        out[f"{days}d"] = {
            "rising": summarise(rising, RISING_METRICS),
            "rising_negative_up": summarise(up, RISING_METRICS),
            "rising_negative_not_up": summarise(down, RISING_METRICS),
            "kpis": summarise(cases, KPI_METRICS),
            "brands": summarise(brand_cases, BRAND_METRICS),
            "brief_ms_p50": float(np.percentile([c["brief_ms"] for c in cases], 50)),
            "cases": cases,
            "brand_cases": brand_cases,
        }
        print_table(
            f"airline, {days}-day periods vs the {days} days before: rising issues "
            f"({len(rising)} of {len(cases)} airline x period cases scored)",
            out[f"{days}d"]["rising"],
            RISING_METRICS,
        )
        for key, part, label in (
            ("rising_negative_up", up, "the crowd's negatives rose"),
            ("rising_negative_not_up", down, "the crowd's negatives did not rise"),
        ):
            print_table(
                f"  ... of which {label} ({len(part)} cases)",
                out[f"{days}d"][key],
                RISING_METRICS,
            )
        print_table(
            f"airline, {days}-day periods: key figures vs the crowd's labels",
            out[f"{days}d"]["kpis"],
            KPI_METRICS,
        )
        print_table(
            f"airline, {days}-day periods, all airlines: brand ranking by negatives",
            out[f"{days}d"]["brands"],
            BRAND_METRICS,
        )
    rt.close()
    return out


# ---------------------------------------------------------------------------------------------
# SentiRuEval
# ---------------------------------------------------------------------------------------------


def _weeks(tweets: Sequence[RuTweet]) -> list[date]:
    days = {t.ts.date() for t in tweets}
    return sorted({d - timedelta(days=d.weekday()) for d in days})


def run_ru() -> dict[str, Any]:
    rt = ru_rt()
    utc = ZoneInfo(RU_TZ)
    out: dict[str, Any] = {}
    for which, ws in RU_WS.items():
        tweets = ru_tweets(which)
        catalog = yaml.safe_load((CATALOGS / RU_CATALOGS[which]).read_text(encoding="utf-8"))
        brands = set(RU_COLUMNS[which].values())
        bk = BrandKeywords(catalog, brands)
        cases = []
        for monday in _weeks(tweets):
            now = day_span(monday, 7, utc)
            before = day_span(monday - timedelta(days=7), 7, utc)
            neg_now, labelled = ru_brand_counts(tweets, now)
            neg_before, _ = ru_brand_counts(tweets, before)
            if (
                sum(neg_now.values()) < RU_MIN_NEGATIVES
                or ru_volume(tweets, before) < RU_MIN_VOLUME_BEFORE
            ):
                continue
            brief = make_brief(rt, ws, monday, 7, "ru", [])
            if (brief.period.start, brief.period.end) != (now.start, now.end):
                raise SystemExit(f"{ws}: brief period is not the truth's week {monday}")
            truth = {b: neg_now.get(b, 0) for b in brands if labelled.get(b, 0) > 0}
            truth_before = {b: neg_before.get(b, 0) for b in truth}
            ours = {f.value: f.negative for f in voice(brief) if f.value in brands}
            ours_before = {f.value: previous_negative(f) for f in voice(brief) if f.value in brands}
            case = brand_case(
                str(monday),
                truth,
                truth_before,
                ours,
                ours_before,
                dict(bk.counts(top_k_texts(rt, ws, now, [], "ru"))),
                dict(bk.counts(top_k_texts(rt, ws, before, [], "ru"))),
                dict(bk.counts(all_texts(rt, ws, now, []))),
                [f.dimension for f in voice(brief)][:1],
            )
            vol = kpi(brief, "volume")
            case["volume_kpi"] = None if vol is None else vol.current
            case["volume_truth"] = ru_volume(tweets, now)
            if case["volume_kpi"] is not None:
                case["volume_err"] = abs(case["volume_kpi"] - case["volume_truth"]) / max(
                    case["volume_truth"], 1
                )
            cases.append(case)
        out[which] = {"brands": summarise(cases, RU_METRICS), "cases": cases}
        print_table(
            f"SentiRuEval {which} (ru), weekly briefs week over week: brand ranking by negatives "
            f"({len(cases)} weeks)",
            out[which]["brands"],
            RU_METRICS,
        )
    rt.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", choices=["airline", "ru"], action="append")
    parser.add_argument("--days", type=int, action="append")
    args = parser.parse_args()
    only = args.only or ["airline", "ru"]
    path = OUT / "briefs.json"
    report: dict[str, Any] = json.loads(path.read_text()) if path.exists() else {}
    report["settings"] = {
        "min_issue_negatives": MIN_ISSUE_NEGATIVES,
        "min_top_growth": MIN_TOP_GROWTH,
        "min_kpi_volume": MIN_KPI_VOLUME,
        "ru_min_negatives": RU_MIN_NEGATIVES,
        "ru_min_volume_before": RU_MIN_VOLUME_BEFORE,
        "top_k": TOP_K,
        "query": QUERY,
    }
    if "ru" in only:
        report["ru"] = run_ru()
    if "airline" in only:
        # Period lengths run now replace their earlier results; others are kept.
        report.setdefault("airline", {}).update(run_airline(args.days or [3]))
    OUT.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2, default=str))
    print(f"\nwrote {path}")


if __name__ == "__main__":
    main()
