"""The ask question bank, asked through the real service and scored: "answered as asked" per
intent and language, beside a naive baseline scored by the same rules.

    python -m evals.question_bank          # (re)generate evals/question_bank.jsonl
    python -m evals.ask_bank               # build/reuse workspaces, ask all, print, write json
    python -m evals.ask_bank --limit 50    # a spread sample (every k-th question)
    python -m evals.ask_bank --dataset airline --language kk

Workspaces (built idempotently through ingest_file + catalogs; embeddings cached per home):
``airline`` (a 15 % sample of the tweets), ``ru-telecom``, ``ru-banks``, ``ru-brands`` (both,
two sources; a 20 % sample of Jul–Aug 2014) and ``domrf`` (all reviews), all under
evals/out/ask_bank; the samples are the rows the bank's truth is computed on.

Per question, "answered as asked" means the result has the shape the question asks for
(a ranking by the asked dimension, ordered as asked; a share of the asked sentiment; a series
of the asked granularity over the asked span; one period per asked period or a change; a
rating; comparison sides for both brands; the asked brand in the plan's scope ...). Where the
truth is clear, "value agrees" compares the key number with the labels: rank top equals the
labelled top (only when it leads the runner-up by >= 15 %), shares within 12 points, counts
within 35 % (at least 2), average rating within 0.3 stars. Labels are human and Hark's
sentiment is a model: value agreement is reported apart from shape.

The naive baseline is what a plain RAG stack returns: the top-10 vector hits of the question
and their count, no filters, no plan; it is scored on an equivalent synthetic result.
"""

from __future__ import annotations

import argparse
import csv
import json
import time
import traceback
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

import yaml

from evals.common import OUT
from evals.question_bank import ALIASES, RU_COLUMNS, airline_kept, ru_kept, slug
from evals.question_bank import OUT as BANK

HOME = OUT / "ask_bank"
DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
CATALOGS = Path(__file__).resolve().parents[1] / "enrichment" / "catalogs"
COUNT_TOLERANCE = 0.35
COUNT_MIN_SLACK = 2
SHARE_POINTS = 12.0
RATING_STARS = 0.3
DIMENSIONS = {
    "brand": {"brand", "entity"},
    "topic": {"topic", "theme"},
    "source": {"source"},
}
# How a ranking's order may be spelled, read as desc/asc.
ORDER: dict[str, str | None] = {
    "most": "desc",
    "top": "desc",
    "highest": "desc",
    "desc": "desc",
    "least": "asc",
    "fewest": "asc",
    "lowest": "asc",
    "asc": "asc",
    "none": None,
}
Labels = Callable[[list[int]], dict[int, dict[str, Any]]]

# ---------------------------------------------------------------------------------------------
# scoring (pure: a question dict and a result dict in AskResult's JSON shape)
# ---------------------------------------------------------------------------------------------


def _facts(result: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [f for f in result.get("facts") or [] if isinstance(f, dict) and f.get("kind") == kind]


def _norm(text: Any) -> str:
    return " ".join(str(text or "").lower().replace("_", "-").split())


def _aliases(key: str) -> set[str]:
    return {_norm(a) for a in [key, *ALIASES.get(key, [])]}


def _names_match(candidate: dict[str, Any] | str, aliases: Iterable[str]) -> bool:
    names = (
        [candidate]
        if isinstance(candidate, str)
        else [candidate.get("value"), candidate.get("name")]
    )
    wanted = {_norm(a) for a in aliases}
    wanted |= {slug(a) for a in wanted}
    for n in names:
        if n is None:
            continue
        norm = _norm(n)
        if norm in wanted or slug(norm) in wanted:
            return True
    return False


def scoped(q: dict[str, Any], result: dict[str, Any]) -> bool:
    """Every brand the question names is in the plan's scope (brands, entities, or a name
    filter): the answer is restricted to it, not about all brands."""
    wanted = q["expect"].get("brands") or []
    if not wanted:
        return True
    plan = result.get("plan") or {}
    scope = [*(plan.get("brands") or []), *(plan.get("entities") or [])]
    scope += [n if isinstance(n, str) else n.get("name", "") for n in plan.get("names") or []]
    scope += [f.get("name", "") for f in _facts(result, "name_match")]
    return all(any(_names_match(s, aliases) for s in scope) for aliases in wanted)


def _sentiment_ok(q: dict[str, Any], fact: dict[str, Any], result: dict[str, Any]) -> bool:
    want = q["expect"].get("sentiment")
    have = fact.get("sentiment")
    if have is None:
        have = (result.get("plan") or {}).get("sentiment")
    return have == want


def _close_count(got: Any, truth: Any) -> bool | None:
    if truth is None or got is None:
        return None
    slack = max(COUNT_TOLERANCE * float(truth), COUNT_MIN_SLACK)
    return abs(float(got) - float(truth)) <= slack


def _close_share(got: Any, truth: Any) -> bool | None:
    if truth is None or got is None:
        return None
    return abs(float(got) - float(truth)) <= SHARE_POINTS


def _day(value: Any) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _coverage_partial(result: dict[str, Any]) -> bool:
    if any(f.get("partial") for f in _facts(result, "coverage")):
        return True
    return any(
        f.get("reason") in {"partial", "partial_period", "coverage"}
        for f in _facts(result, "caveat")
    )


def _no_data(result: dict[str, Any]) -> bool:
    if any(f.get("total") == 0 for f in _facts(result, "count")):
        return True
    if any(f.get("days_with_data") == 0 for f in _facts(result, "coverage")):
        return True
    return any(f.get("reason") in {"empty", "no_data"} for f in _facts(result, "caveat"))


Verdict = dict[str, Any]


def _verdict(shape: bool, value: bool | None, why: str = "") -> Verdict:
    """``shape``: the answer has the form the question asks for; ``value``: its key number
    agrees with the labels (None: no clear truth or nothing to compare); ``asked``: both
    (shape, and a value that is not known to disagree)."""
    if shape and value is False and not why:
        why = "value disagrees with the labels"
    return {
        "asked": bool(shape) and value is not False,
        "shape": bool(shape),
        "value": value,
        "why": why,
    }


def score_count(q: dict[str, Any], r: dict[str, Any]) -> Verdict:
    edge = q.get("edge")
    if edge == "no_data":
        ok = _no_data(r) and scoped(q, r)
        return _verdict(ok, ok, "" if ok else "no empty count / coverage for a period with no data")
    counts = [f for f in _facts(r, "count") if _sentiment_ok(q, f, r)]
    if not counts:
        return _verdict(False, None, "no count fact of the asked sentiment")
    if not scoped(q, r):
        return _verdict(False, None, "not restricted to the asked brand")
    if edge == "customers_only" and (r.get("plan") or {}).get("include_brand_authors") is True:
        return _verdict(False, None, "counted the brand's own replies, asked customers only")
    if edge == "partial_period" and not _coverage_partial(r):
        return _verdict(
            False,
            _close_count(counts[0].get("total"), q["truth"]["value"]),
            "partial period not flagged",
        )
    return _verdict(True, _close_count(counts[0].get("total"), q["truth"]["value"]))


def score_name_match(q: dict[str, Any], r: dict[str, Any]) -> Verdict:
    names = q["expect"].get("name") or []
    stems = {_norm(n)[:5] for n in ([names] if isinstance(names, str) else names)}
    matches = [
        f for f in _facts(r, "name_match") if any(st in _norm(f.get("name")) for st in stems)
    ]
    if matches:
        f = matches[0]
        asked = f.get("in_catalog") is not True
        return _verdict(
            asked,
            _close_count(f.get("count"), q["truth"]["value"]),
            "" if asked else "claimed in catalog",
        )
    plan = r.get("plan") or {}
    counts = _facts(r, "count")
    if counts and any(st in _norm(plan.get("search_text")) for st in stems):
        return _verdict(True, _close_count(counts[0].get("total"), q["truth"]["value"]))
    return _verdict(False, None, "no name match for a brand outside the catalog")


def score_share(q: dict[str, Any], r: dict[str, Any]) -> Verdict:
    truth = q["truth"].get("value")
    if q["expect"].get("measure") == "rating_low":
        for f in _facts(r, "rating"):
            low = f.get("low_share", f.get("share"))
            if low is not None:
                return _verdict(True, _close_share(low, truth))
    shares = [f for f in _facts(r, "share") if f.get("sentiment") == q["expect"].get("sentiment")]
    if not shares:
        return _verdict(False, None, "no share fact of the asked sentiment")
    if not scoped(q, r):
        return _verdict(False, None, "not restricted to the asked brand")
    return _verdict(True, _close_share(shares[0].get("share"), truth))


def _ranking_items(
    q: dict[str, Any], r: dict[str, Any]
) -> tuple[dict[str, Any], list[dict[str, Any]]] | None:
    group = q["expect"].get("group_by") or "brand"
    dims = DIMENSIONS.get(group, {group})
    for f in _facts(r, "ranking"):
        if f.get("dimension") in dims:
            return f, list(f.get("items") or [])
    if group == "topic":  # topic breakdowns in rank order are a ranking by topic
        rows = sorted(_facts(r, "breakdown"), key=lambda f: f.get("rank") or 0)
        if rows:
            items = [
                {"value": f.get("topic"), "name": f.get("name"), "count": f.get("count")}
                for f in rows
            ]
            return {"dimension": "topic", "sentiment": None}, items
    return None


def score_rank(q: dict[str, Any], r: dict[str, Any]) -> Verdict:
    e, truth = q["expect"], q["truth"]
    found = _ranking_items(q, r)
    if found is None:
        return _verdict(False, None, f"no ranking by {e.get('group_by')}")
    fact, items = found
    if len(items) < min(2, len(truth.get("items") or [])):
        return _verdict(False, None, "fewer than 2 items")
    order = e.get("order") or "desc"
    if ORDER.get(str(fact.get("order")).lower(), fact.get("order")) not in (None, order):
        return _verdict(False, None, f"ordered {fact.get('order')}, asked {order}")
    key = "share" if e.get("measure") == "share" else "count"
    if fact.get("measure") not in (None, key):
        return _verdict(False, None, f"ranked by {fact.get('measure')}, asked {key}")
    if not e.get("sentiment") and fact.get("sentiment"):
        return _verdict(False, None, "ranking of one sentiment, asked all mentions")
    if any(it.get(key) is None for it in items):
        return _verdict(False, None, f"items without {key}")
    pairs = list(pairwise(float(it[key]) for it in items))
    monotone = all(a >= b for a, b in pairs) if order == "desc" else all(a <= b for a, b in pairs)
    if not monotone:
        return _verdict(False, None, f"not ordered by {key} {order}")
    if (
        e.get("sentiment")
        and e.get("group_by") != "topic"  # the topics of all mentions name the issues too
        and fact.get("sentiment") != e["sentiment"]
        and not _sentiment_ok(q, {"sentiment": fact.get("sentiment")}, r)
    ):
        return _verdict(False, None, "ranking of another sentiment")
    if e.get("top_n") and len(items) < min(e["top_n"], len(truth.get("items") or [])):
        return _verdict(False, None, "fewer items than asked")
    if not scoped(q, r):
        return _verdict(False, None, "not restricted to the asked brand")
    value = None
    if truth.get("clear") and truth.get("top"):
        value = _names_match(items[0], _aliases(truth["top"]))
    return _verdict(True, value)


def score_series(q: dict[str, Any], r: dict[str, Any]) -> Verdict:
    e, truth = q["expect"], q["truth"]["series"]
    gran = e.get("granularity")
    facts = [f for f in _facts(r, "count") if f.get("series") and f.get("granularity") == gran]
    if not facts:
        return _verdict(False, None, f"no {gran} series")
    f = facts[0]
    if not _sentiment_ok(q, f, r):
        return _verdict(False, None, "series of another sentiment")
    if not scoped(q, r):
        return _verdict(False, None, "not restricted to the asked brand")
    starts = [d for d in (_day(p.get("start")) for p in f["series"]) if d is not None]
    first, last = _day(truth[0][0]), _day(truth[-1][0])
    slack = timedelta(days=1)
    if (
        not starts
        or first is None
        or last is None
        or min(starts) > first + slack
        or max(starts) < last - slack
    ):
        return _verdict(False, None, "series does not cover the asked span")
    got = sum(int(p.get("count") or 0) for p in f["series"])
    return _verdict(True, _close_count(got, sum(n for _, n in truth)))


def score_periods(q: dict[str, Any], r: dict[str, Any]) -> Verdict:
    asked = [(_day(s), _day(e)) for s, e in q["expect"]["periods"]]
    truth = q["truth"]["periods"]
    got: list[Any] = []
    periods = _facts(r, "period")
    for start, _ in asked:
        match = [
            p
            for p in periods
            if (d := _day(p.get("start"))) and start and abs((d - start).days) <= 1
        ]
        got.append(match[0].get("count") if match else None)
    if any(g is None for g in got):
        changes = _facts(r, "change")
        if not changes:
            return _verdict(False, None, "neither a period per asked period nor a change")
        c = changes[0]
        got = [c.get("baseline"), c.get("current")]
        if not _sentiment_ok(q, c, r):
            return _verdict(False, None, "change of another sentiment")
    if not scoped(q, r):
        return _verdict(False, None, "not restricted to the asked brand")
    if q.get("edge") == "partial_period" and not _coverage_partial(r):
        value = all(_close_count(g, t) for g, t in zip(got, truth, strict=True))
        return _verdict(False, value, "partial period not flagged")
    return _verdict(True, all(_close_count(g, t) for g, t in zip(got, truth, strict=True)))


def score_why(q: dict[str, Any], r: dict[str, Any]) -> Verdict:
    truth = q["truth"]
    changes = _facts(r, "change")
    drivers = _facts(r, "driver") + _facts(r, "theme")
    if not changes or not drivers:
        return _verdict(False, None, "no change with drivers")
    if not scoped(q, r):
        return _verdict(False, None, "not restricted to the asked brand")
    if truth.get("drivers"):
        top = [slug(_norm(d.get("value") or d.get("name"))) for d in drivers[:3]]
        top += [slug(_norm(d.get("name"))) for d in drivers[:3]]
        return _verdict(True, truth["drivers"][0] in top)
    c = changes[0]
    cur, base = c.get("current"), c.get("baseline")
    if cur is None or base is None:
        return _verdict(True, None)
    return _verdict(True, (cur > base) == (truth.get("direction") == "up"))


def _about(label: dict[str, Any], brand: list[str]) -> str | None:
    """The labelled sentiment of a mention toward ``brand`` (None: not about it / unknown)."""
    if "sentiment" in label:  # airline: one airline per tweet, the brand field
        return str(label["sentiment"])
    for columns in RU_COLUMNS.values():
        for col, entity in columns.items():
            if _norm(entity) in brand and col in label:
                raw = str(label[col])
                return {"-1": "negative", "0": "neutral", "1": "positive"}.get(raw)
    if "stars" in label:
        stars = int(label["stars"])
        return "negative" if stars <= 2 else "neutral" if stars == 3 else "positive"
    return None


def score_examples(q: dict[str, Any], r: dict[str, Any], labels: Labels | None = None) -> Verdict:
    cited = [c["id"] for c in r.get("citations") or [] if isinstance(c, dict) and "id" in c]
    need = min(3, int(q["truth"].get("available") or 0)) or 1
    if len(cited) < need:
        return _verdict(False, None, "too few quotes")
    brand = [_norm(a) for a in (q["expect"]["brands"] or [[]])[0]]
    found = labels(cited) if labels else {}
    about = [_about(found[i], brand) for i in cited if i in found]
    on_brand = [a for a in about if a is not None]
    if not scoped(q, r) and (not about or len(on_brand) < 0.6 * len(cited)):
        return _verdict(False, None, "quotes not restricted to the asked brand")
    if not on_brand:
        return _verdict(True, None)
    want = q["expect"].get("sentiment")
    return _verdict(True, sum(a == want for a in on_brand) >= 0.5 * len(on_brand))


def score_rating(q: dict[str, Any], r: dict[str, Any]) -> Verdict:
    facts = [f for f in _facts(r, "rating") if f.get("average") is not None]
    if not facts:
        return _verdict(False, None, "no rating fact")
    truth = q["truth"].get("value")
    value = (
        None if truth is None else abs(float(facts[0]["average"]) - float(truth)) <= RATING_STARS
    )
    return _verdict(True, value)


def score_compare(q: dict[str, Any], r: dict[str, Any]) -> Verdict:
    sides = _facts(r, "comparison")
    got = []
    for aliases in q["expect"]["brands"]:
        match = [s for s in sides if _names_match(s, aliases)]
        got.append(match[0] if match else None)
    if any(g is None for g in got):
        return _verdict(False, None, "a compared brand has no side")
    key = "positive_share" if q["expect"].get("sentiment") == "positive" else "negative_share"
    truth = list(q["truth"]["sides"].values())
    checks = [_close_share(g.get(key), t) for g, t in zip(got, truth, strict=True)]  # type: ignore[union-attr]
    return _verdict(True, None if None in checks else all(checks))


SCORERS: dict[str, Callable[[dict[str, Any], dict[str, Any]], Verdict]] = {
    "count": score_count,
    "name_match": score_name_match,
    "share": score_share,
    "rank": score_rank,
    "series": score_series,
    "periods": score_periods,
    "why": score_why,
    "rating": score_rating,
    "compare": score_compare,
}


def score(q: dict[str, Any], result: dict[str, Any], labels: Labels | None = None) -> Verdict:
    """Whether ``result`` (AskResult JSON) answers ``q`` as asked, and whether its key value
    agrees with the labels (None: no clear truth or nothing to compare)."""
    try:
        if q["intent"] == "examples":
            return score_examples(q, result, labels)
        return SCORERS[q["intent"]](q, result)
    except (KeyError, TypeError, ValueError) as exc:  # a malformed result is not an answer
        return _verdict(False, None, f"malformed result: {exc!r}")


def baseline_result(hit_ids: list[int], total: int | None = None) -> dict[str, Any]:
    """What a plain RAG answer amounts to, in AskResult's shape: its hits and their count."""
    return {
        "answer": f"Found {len(hit_ids)} relevant mentions.",
        "plan": {"intent": "summarise", "brands": [], "entities": [], "sentiment": None},
        "facts": [
            {
                "id": "f1",
                "kind": "count",
                "total": total if total is not None else len(hit_ids),
                "sentiment": None,
                "series": None,
                "granularity": None,
            }
        ],
        "citations": [{"id": i} for i in hit_ids],
    }


# ---------------------------------------------------------------------------------------------
# workspaces
# ---------------------------------------------------------------------------------------------

RU_FILES = {"telecom": "sentirueval-ru-telecom-tweets", "banks": "sentirueval-ru-bank-tweets"}
RU_WORKSPACES = {
    "ru-brands": (["telecom", "banks"], ["ru-telecom.entities.yaml", "ru-banks.entities.yaml"]),
    "ru-telecom": (["telecom"], ["ru-telecom.entities.yaml"]),
    "ru-banks": (["banks"], ["ru-banks.entities.yaml"]),
}


def subset(src: Path, name: str, keep: Callable[[dict[str, str]], bool]) -> Path:
    """The rows of ``src`` that the question bank's truth uses, copied under evals/out."""
    dst = HOME / "data" / f"{name}.csv"
    dst.parent.mkdir(parents=True, exist_ok=True)
    with src.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        rows = [r for r in reader if keep(r)]
        fields = list(reader.fieldnames or [])
    with dst.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    return dst


def ru_subset(name: str) -> Path:
    src = DATA / "sentirueval-ru-brand-tweets" / f"{name}.csv"
    return subset(src, f"{name}-2014-07-08-sample", ru_kept)


def _runtime(home: Path) -> Any:
    from hark.settings import Settings
    from services.container import Container

    return Container(Settings(home=home, _env_file=None))


def _ingest(rt: Any, ws: str, path: Path, mapping: str) -> None:
    from ingestion.mapping import load_mapping
    from ingestion.pipeline import ingest_file

    report = ingest_file(
        rt.engine,
        workspace=ws,
        path=path,
        mapping=load_mapping(mapping),
        index=rt.index.target(ws),
        enrich=rt.enrich.hook(ws),
    )
    print(f"  {ws} <- {path.name}: embedded {report.embedded}", flush=True)


def build_ru(rt: Any) -> None:
    """Three workspaces over the same tweets (embedded once: the home's cache is shared)."""
    from enrichment.catalogs import parse, set_catalog

    for ws, (files, catalogs) in RU_WORKSPACES.items():
        entities: list[dict[str, Any]] = []
        for name in catalogs:
            entities += yaml.safe_load((CATALOGS / name).read_text(encoding="utf-8"))["entities"]
        body = parse("entities", data={"entities": entities})
        set_catalog(rt.engine, workspace=ws, kind="entities", body=body)
        for name in files:
            _ingest(rt, ws, ru_subset(name), RU_FILES[name])
        rt.enrich.reenrich(ws)


def build_domrf(rt: Any) -> None:
    """banki.ru reviews, read from ../shared (never copied)."""
    _ingest(rt, "domrf", DATA / "banki-ru-domrf-reviews" / "reviews.csv", "banki-ru-domrf-reviews")
    rt.enrich.reenrich("domrf")


# The zone each data set's days are read in (the truth's); set as the workspace's own zone
# where the service has workspace settings, as a team reading that data would.
TIMEZONES = {
    "airline": "America/Los_Angeles",
    "ru-brands": "UTC",
    "ru-telecom": "UTC",
    "ru-banks": "UTC",
    "domrf": "Europe/Moscow",
}


def set_timezones(rts: dict[str, Any]) -> None:
    for ws, rt in rts.items():
        service = getattr(rt, "workspace_settings", None)
        if service is not None and ws in TIMEZONES:
            service.set_timezone(ws, TIMEZONES[ws])


def runtimes(workspaces: set[str]) -> dict[str, Any]:
    """A runtime per needed workspace, building what is missing."""
    out: dict[str, Any] = {}
    if workspaces & {"domrf", *RU_WORKSPACES}:
        rt = _runtime(HOME)
        if "domrf" in workspaces:
            build_domrf(rt)
        if workspaces & set(RU_WORKSPACES):
            build_ru(rt)
        out |= dict.fromkeys(["domrf", *RU_WORKSPACES], rt)
    if "airline" in workspaces:
        out["airline"] = build_airline(out.get("domrf") or _runtime(HOME))
    return out


def build_airline(rt: Any) -> Any:
    """The airline sample with the bundled taxonomy and entity catalog (topics need both)."""
    from enrichment.catalogs import parse, set_catalog

    for kind, name in (
        ("taxonomy", "airline.taxonomy.yaml"),
        ("entities", "airline.entities.yaml"),
    ):
        text = (CATALOGS / name).read_text(encoding="utf-8")
        set_catalog(rt.engine, workspace="airline", kind=kind, body=parse(kind, text=text))  # type: ignore[arg-type]
    src = DATA / "twitter-us-airline-sentiment" / "tweets.csv"
    _ingest(
        rt, "airline", subset(src, "airline-sample", airline_kept), "twitter-us-airline-sentiment"
    )
    rt.enrich.reenrich("airline")
    return rt


def label_lookup(rt: Any) -> Labels:
    from sqlalchemy import select

    from store.tables import mention_labels

    def lookup(ids: list[int]) -> dict[int, dict[str, Any]]:
        if not ids:
            return {}
        with rt.engine.connect() as conn:
            rows = conn.execute(
                select(mention_labels.c.mention_id, mention_labels.c.labels).where(
                    mention_labels.c.mention_id.in_(ids)
                )
            )
            return {r[0]: dict(r[1]) for r in rows}

    return lookup


# ---------------------------------------------------------------------------------------------
# run
# ---------------------------------------------------------------------------------------------


def load_bank(path: Path = BANK) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def sample(bank: list[dict[str, Any]], limit: int | None) -> list[dict[str, Any]]:
    """Every k-th question, so a small run still spans datasets, intents and languages."""
    if not limit or limit >= len(bank):
        return bank
    step = len(bank) / limit
    return [bank[int(i * step)] for i in range(limit)]


def table(rows: list[dict[str, Any]], keys: tuple[str, ...]) -> list[dict[str, Any]]:
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        groups[tuple(str(row[k]) for k in keys)].append(row)
    out = []
    for key, group in sorted(groups.items()):
        line: dict[str, Any] = dict(zip(keys, key, strict=True)) | {"n": len(group)}
        for who in ("hark", "baseline"):
            verdicts = [g[who] for g in group if g.get(who)]
            if not verdicts:
                continue
            judged = [v["value"] for v in verdicts if v["value"] is not None]
            line[f"{who}_asked"] = sum(v["asked"] for v in verdicts) / len(verdicts)
            line[f"{who}_shape"] = sum(v["shape"] for v in verdicts) / len(verdicts)
            line[f"{who}_value"] = sum(judged) / len(judged) if judged else None
            line[f"{who}_value_n"] = len(judged)
        out.append(line)
    return out


def _pct(x: float | None) -> str:
    return "   –" if x is None else f"{100 * x:4.0f}"


def print_table(title: str, lines: list[dict[str, Any]], keys: tuple[str, ...]) -> None:
    print(f"\n{title}")
    head = " ".join(f"{k:11}" for k in keys)
    print(f"{head}    n | hark: asked% shape% value%(n) | baseline: asked% shape% value%(n)")
    for line in lines:
        cells = " ".join(f"{line[k]:11}" for k in keys)
        parts = [
            f"{_pct(line.get(f'{who}_asked')):>6} {_pct(line.get(f'{who}_shape')):>6}"
            f" {_pct(line.get(f'{who}_value')):>6}({line.get(f'{who}_value_n', 0):3})"
            for who in ("hark", "baseline")
        ]
        print(f"{cells} {line['n']:4} |  {parts[0]}       |  {parts[1]}")


def ask_one(rt: Any, q: dict[str, Any]) -> dict[str, Any]:
    result = rt.ask.answer(
        q["workspace"],
        q["question"],
        reference=datetime.fromisoformat(q["reference"]),
        use_llm=False,
    )
    return dict(result.model_dump(mode="json"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--dataset", action="append")
    parser.add_argument("--language", action="append")
    parser.add_argument("--intent", action="append")
    parser.add_argument("--no-baseline", action="store_true")
    args = parser.parse_args()
    bank = [
        q
        for q in load_bank()
        if (not args.dataset or q["dataset"] in args.dataset)
        and (not args.language or q["language"] in args.language)
        and (not args.intent or q["intent"] in args.intent)
    ]
    bank = sample(bank, args.limit)
    print(f"{len(bank)} questions; building/reusing workspaces ...", flush=True)
    rts = runtimes({q["workspace"] for q in bank})
    set_timezones(rts)
    lookups = {ws: label_lookup(rt) for ws, rt in rts.items()}
    rows: list[dict[str, Any]] = []
    errors = 0
    t0 = time.perf_counter()
    for i, q in enumerate(bank):
        rt = rts[q["workspace"]]
        row: dict[str, Any] = {
            k: q[k] for k in ("id", "dataset", "language", "intent", "edge", "question")
        }
        row["edge"] = row["edge"] or "-"
        try:
            t = time.perf_counter()
            result = ask_one(rt, q)
            row["ms"] = round((time.perf_counter() - t) * 1000)
            row["hark"] = score(q, result, lookups[q["workspace"]])
            plan = result.get("plan") or {}
            row["plan"] = {
                k: plan.get(k)
                for k in (
                    "intent",
                    "group_by",
                    "measure",
                    "granularity",
                    "sentiment",
                    "brands",
                    "entities",
                    "window",
                    "periods",
                )
                if k in plan
            }
            row["fact_kinds"] = sorted({f.get("kind") for f in result.get("facts") or []})
        except Exception as exc:  # a crash inside the engine is reported, not fatal
            errors += 1
            row["hark"] = _verdict(False, None, f"error: {exc!r}")
            row["traceback"] = traceback.format_exc(limit=6)
            if errors <= 3:
                print(row["traceback"], flush=True)
        if not args.no_baseline:
            hits = rt.search.query(q["workspace"], q["question"], k=10).hits
            row["baseline"] = score(
                q, baseline_result([h.mention.id for h in hits]), lookups[q["workspace"]]
            )
        rows.append(row)
        if (i + 1) % 50 == 0:
            print(f"  {i + 1}/{len(bank)} ({time.perf_counter() - t0:.0f} s)", flush=True)
    by_intent_lang = table(rows, ("intent", "language"))
    by_intent = table(rows, ("intent",))
    by_dataset = table(rows, ("dataset", "language"))
    by_edge = table([r for r in rows if r["edge"] != "-"], ("edge",))
    overall = table([{**r, "all": "all"} for r in rows], ("all",))
    print_table(
        "answered as asked (shape and, where truth is clear, value), per intent x language",
        by_intent_lang,
        ("intent", "language"),
    )
    print_table("per intent", by_intent, ("intent",))
    print_table("per dataset x language", by_dataset, ("dataset", "language"))
    print_table("edge kinds", by_edge, ("edge",))
    print_table("overall", overall, ("all",))
    print(f"\nengine errors: {errors}/{len(rows)}")
    report = {
        "questions": len(rows),
        "errors": errors,
        "by_intent_language": by_intent_lang,
        "by_intent": by_intent,
        "by_dataset_language": by_dataset,
        "by_edge": by_edge,
        "overall": overall,
        "rows": rows,
    }
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "ask_bank.json").write_text(
        json.dumps(report, ensure_ascii=False, indent=1, default=str)
    )
    print(f"wrote {OUT / 'ask_bank.json'}")


if __name__ == "__main__":
    main()
